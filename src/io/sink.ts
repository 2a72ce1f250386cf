/**
 * Text written to a stream (stdout, an HTTP response) with backpressure: write() waits while the
 * stream's buffer is full, and a stream error (a closed pipe, a full disk behind a redirect)
 * becomes an OutputWriteError at the next write or at close(), never an unhandled event.
 */
import { OutputWriteError } from "./errors.js";

export class TextSink {
  private error: NodeJS.ErrnoException | undefined;
  private readonly onError = (e: NodeJS.ErrnoException) => {
    this.error ??= e;
  };

  constructor(
    private readonly stream: NodeJS.WritableStream,
    /** The stream's name in errors ("stdout"). */
    readonly name: string,
  ) {
    stream.on("error", this.onError);
  }

  private check(): void {
    if (this.error) throw new OutputWriteError(this.name, this.error);
  }

  async write(text: string): Promise<void> {
    this.check();
    if (text !== "" && !this.stream.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off("drain", done);
          this.stream.off("error", done);
          resolve();
        };
        this.stream.on("drain", done);
        this.stream.on("error", done);
      });
    }
    this.check();
  }

  /** Waits until everything written so far is handed to the system; reports a write that failed. */
  async close(): Promise<void> {
    this.check();
    await new Promise<void>((resolve) => this.stream.write("", () => resolve()));
    this.check();
    this.stream.off("error", this.onError);
  }
}
