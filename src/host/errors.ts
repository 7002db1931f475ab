import { VoxnixError } from "../errors.js";

const TAIL_CHARS = 2000;

/** The last part of a tool's output: where tools put the line that explains a failure. */
export function tail(text: string, chars = TAIL_CHARS): string {
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}

/** What every host error knows about the command that failed. */
export interface HostCommandFacts {
  readonly argv: readonly string[];
  readonly exitCode?: number | null;
  readonly stdoutTail?: string;
  readonly stderrTail?: string;
  /** Overrides the default message (facts for the log, never a secret). */
  readonly message?: string;
  readonly cause?: unknown;
}

/**
 * A host command that did not succeed. Carries what the admin needs to debug it from the
 * journal; the user sees only `userMessage`.
 */
export class HostCommandError extends VoxnixError {
  readonly userMessage: string = "The host could not finish that step; the admin has the details.";
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdoutTail: string;
  readonly stderrTail: string;

  constructor({
    argv,
    exitCode = null,
    stdoutTail = "",
    stderrTail = "",
    message,
    cause,
  }: HostCommandFacts) {
    super(
      message ??
        `${argv.join(" ")} exited with ${exitCode}${stderrTail ? `: ${lastLine(stderrTail)}` : ""}`,
      cause === undefined ? undefined : { cause },
    );
    this.argv = argv;
    this.exitCode = exitCode;
    this.stdoutTail = stdoutTail;
    this.stderrTail = stderrTail;
  }
}

/** The command ran past its deadline (or was aborted); its whole process group was killed. */
export class HostCommandTimeout extends HostCommandError {
  override readonly userMessage =
    "A host step took too long and was stopped; try again in a minute.";
  /** Undefined when the command was aborted rather than timed out. */
  readonly timeoutMs: number | undefined;

  constructor({
    timeoutMs,
    ...facts
  }: HostCommandFacts & { readonly timeoutMs: number | undefined }) {
    const command = facts.argv.join(" ");
    super({
      ...facts,
      message:
        timeoutMs === undefined
          ? `${command} was aborted; its process group was killed`
          : `${command} timed out after ${timeoutMs} ms; its process group was killed`,
    });
    this.timeoutMs = timeoutMs;
  }
}

/** The binary is not on PATH: a deployment problem, not a user's. */
export class HostToolMissing extends HostCommandError {
  override readonly userMessage =
    "The host is missing a tool voxnix needs; the admin has been told.";
  readonly searchedPath: string;

  constructor({ searchedPath, ...facts }: HostCommandFacts & { readonly searchedPath: string }) {
    super({
      ...facts,
      message: `${facts.argv[0]} not found on PATH (${searchedPath || "PATH is empty"})`,
    });
    this.searchedPath = searchedPath;
  }
}

/** The command printed more than the runner keeps; it was stopped rather than buffered. */
export class HostOutputTooLarge extends HostCommandError {
  readonly maxOutputBytes: number;

  constructor({
    maxOutputBytes,
    ...facts
  }: HostCommandFacts & { readonly maxOutputBytes: number }) {
    super({
      ...facts,
      message: `${facts.argv.join(" ")} printed more than ${maxOutputBytes} bytes; stopped`,
    });
    this.maxOutputBytes = maxOutputBytes;
  }
}

/** The command succeeded but printed something other than its documented format. */
export class HostOutputMalformed extends HostCommandError {
  constructor({ expected, ...facts }: HostCommandFacts & { readonly expected: string }) {
    super({
      exitCode: 0,
      ...facts,
      message: `${facts.argv.join(" ")} printed output that is not ${expected}`,
    });
  }
}

/** The module library is broken: a deployment problem, found at start-up. */
export class ModuleLibraryError extends VoxnixError {
  readonly userMessage = "The container module library is broken; the admin has the details.";
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}

/**
 * A path voxnix would hand to systemd-nspawn that the container@ unit cannot carry intact:
 * its start script word-splits EXTRA_NSPAWN_FLAGS and nspawn splits --bind on ':'.
 */
export class UnsafeHostPath extends VoxnixError {
  readonly userMessage =
    "The host could not set up that container's files; the admin has the details.";
}

/**
 * The Tailscale API refused or failed a request. `status` is the HTTP status (0: no answer);
 * the message carries the API's own `message`, never a token, key or secret.
 */
export class TailscaleApiError extends VoxnixError {
  readonly userMessage: string;
  readonly status: number;

  constructor({
    status,
    what,
    detail,
    cause,
  }: {
    status: number;
    what: string;
    detail: string;
    cause?: unknown;
  }) {
    super(
      `Tailscale API: ${what} ${status === 0 ? "got no answer" : `answered ${status}`}: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
    this.status = status;
    this.userMessage =
      status === 429
        ? "Tailscale is rate-limiting voxnix right now; try again in a minute."
        : "Tailscale did not give this container an identity; the admin has the details.";
  }
}

/** A container on the host that voxnix did not install: voxnix leaves it alone. */
export class ForeignContainer extends VoxnixError {
  readonly userMessage = "That container is not voxnix's to change; the admin has the details.";
}
