/** Where progress lines and warnings go (the CLI decides: stdout, stderr, or the dry-run listing). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}
