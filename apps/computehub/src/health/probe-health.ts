import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/**
 * Reports `key` up when `probe` finds no problem, else down with its problems (or the error it
 * threw) as the message, so every dependency's readiness reads the same way.
 */
export async function probeHealth(
  indicators: HealthIndicatorService,
  key: string,
  probe: () => Promise<string[]>,
): Promise<HealthIndicatorResult> {
  const session = indicators.check(key);
  let problems: string[];
  try {
    problems = await probe();
  } catch (err) {
    problems = [(err as Error).message];
  }
  return problems.length === 0 ? session.up() : session.down({ message: problems.join('; ') });
}
