/**
 * A whole-number setting from the environment: the default when unset or empty, and a start-up
 * error naming the variable and its range otherwise — a typo in a unit file should stop the
 * server, not run it with a deadline of NaN days. `unit` words the message ('seconds').
 */
export function wholeSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, unit = ''): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number${unit ? ` of ${unit}` : ''} from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  }
  return value;
}
