/** A model's version in the tables it scores into: a short hash of its packed image. */
import { createHash } from "node:crypto";

/** The first 12 hex digits of the image's SHA-256: the same image, the same version. */
export function modelVersion(image: Uint8Array): string {
  return createHash("sha256").update(image).digest("hex").slice(0, 12);
}
