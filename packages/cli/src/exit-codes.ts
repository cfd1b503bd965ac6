/** The CLI's exit codes: scripts and CI depend on them. */
export const EXIT_OK = 0;
/** `lint` found at least one finding of severity error. */
export const EXIT_FINDINGS = 1;
/** Bad usage, bad input or a configuration error. */
export const EXIT_USAGE = 2;
/** Anything else: a remote service failed, a bug. */
export const EXIT_FAILURE = 3;
