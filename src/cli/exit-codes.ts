/** sysexits.h codes, so systemd units and scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  unavailable: 69,
  software: 70,
  /** Another operation holds the container: the same command can succeed later. */
  tempfail: 75,
  /** Invalid configuration: the unit sets RestartPreventExitStatus=78 so it does not loop. */
  config: 78,
} as const;
