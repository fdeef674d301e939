// What the dashboard's addresses carry: an action's id in the path, and which
// stretch of time its chart shows in the query string.
import { z } from 'zod';
import type { ChartRange } from './dashboard.service.ts';

// A bigint id as digits, without a leading zero, small enough for bigint
// (9,223,372,036,854,775,807 has 19 digits): anything else names no action.
const actionId = z.string().regex(/^[1-9][0-9]{0,17}$/);

/** The action's id, or undefined when the address cannot name one (`abc`, `0`, 20 digits, `1.5`). */
export function parseActionId(value: unknown): string | undefined {
  const parsed = actionId.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

// ?range=all: since the action began. Anything else, repeated or absent, is the default.
const chartQuery = z.object({ range: z.literal('all').optional().catch(undefined) });

export function parseChartRange(query: unknown): ChartRange {
  const parsed = chartQuery.safeParse(query);
  return parsed.success && parsed.data.range === 'all' ? 'all' : 'recent';
}
