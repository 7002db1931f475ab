import { VoxnixError } from "../errors.js";

const TAIL_CHARS = 2000;

/** The last part of a tool's output: where tools put the line that explains a failure. */
export function tail(text: string, chars = TAIL_CHARS): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

/**
 * A host command that did not succeed. Carries what the admin needs to debug it from the
 * journal; the user sees only `userMessage`.
 */
export class HostCommandError extends VoxnixError {
  readonly userMessage: string = "The host could not finish that step; the admin has the details.";

  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stdoutTail: string,
    readonly stderrTail: string,
    message = `${argv.join(" ")} exited with ${exitCode}${stderrTail ? `: ${lastLine(stderrTail)}` : ""}`,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The command ran past its deadline (or was aborted); its whole process group was killed. */
export class HostCommandTimeout extends HostCommandError {
  override readonly userMessage =
    "A host step took too long and was stopped; try again in a minute.";

  constructor(
    argv: readonly string[],
    readonly timeoutMs: number | undefined,
    stdoutTail: string,
    stderrTail: string,
  ) {
    super(
      argv,
      null,
      stdoutTail,
      stderrTail,
      timeoutMs === undefined
        ? `${argv.join(" ")} was aborted; its process group was killed`
        : `${argv.join(" ")} timed out after ${timeoutMs} ms; its process group was killed`,
    );
  }
}

/** The binary is not on PATH: a deployment problem, not a user's. */
export class HostToolMissing extends HostCommandError {
  override readonly userMessage =
    "The host is missing a tool voxnix needs; the admin has been told.";

  constructor(
    argv: readonly string[],
    readonly searchedPath: string,
  ) {
    super(argv, null, "", "", `${argv[0]} not found on PATH (${searchedPath || "PATH is empty"})`);
  }
}

/** The command printed more than the runner keeps; it was stopped rather than buffered. */
export class HostOutputTooLarge extends HostCommandError {
  constructor(
    argv: readonly string[],
    readonly maxOutputBytes: number,
    stdoutTail: string,
    stderrTail: string,
  ) {
    super(
      argv,
      null,
      stdoutTail,
      stderrTail,
      `${argv.join(" ")} printed more than ${maxOutputBytes} bytes; stopped`,
    );
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}
