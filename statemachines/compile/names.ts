// State names: what a person reads in the console and the execution history, so plain words, unique
// in their definition and at most 80 characters (the Step Functions limit).

export const MAX_STATE_NAME = 80;

/** Gives each text a unique name: cut to 80 characters, then numbered (` #2`, ...) if taken. */
export function stateNamer(): (text: string) => string {
  const names = new Set<string>();
  return (text) => {
    let candidate = text.length > MAX_STATE_NAME ? `${text.slice(0, MAX_STATE_NAME - 1)}…` : text;
    for (let i = 2; names.has(candidate); i++) {
      const suffix = ` #${i}`;
      candidate = `${text.slice(0, MAX_STATE_NAME - suffix.length - 1)}…${suffix}`;
    }
    names.add(candidate);
    return candidate;
  };
}

/** `1 service`, `3 services`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
