/** The productivity report (API.md `GET /api/v1/reports/productivity`, SPEC M3): JSON or CSV. */
import { z } from "zod";
import { describe } from "../../lib/server/openapi.ts";
import type { Desk } from "../../desk/desk.ts";
import { productivity, reportCsv } from "../../desk/supervisor_report.ts";
import { reportRowSchema } from "../../lib/shared/wire/supervision.ts";
import { type App, requireAgent } from "../auth.ts";
import { query } from "../http.ts";

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD").refine(
  (s) =>
    !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
  "not a calendar date",
);
export const reportQuerySchema = z.object({
  from: date.optional(),
  to: date.optional(),
  agentId: z.string().min(1).max(200).optional(),
  teamId: z.string().min(1).max(200).optional(),
  format: z.enum(["json", "csv"]).default("json"),
  extended: z.enum(["true", "false", "1", "0"]).optional(),
});

describe({
  method: "get",
  path: "/api/v1/reports/productivity",
  summary: "Per agent and UTC day (rows for agents with any figure that day, in scope): API.md's columns; " +
    "extensions: agentName, firstResponseP90Seconds, handleP90Seconds (p90 from fixed histogram buckets), " +
    "teamId filter. `from`/`to` default to today, at most 366 days. CSV (RFC 4180) has exactly API.md's " +
    "header names; `extended=true` appends the extension columns. A forced assignment counts for the agent " +
    "receiving it (forcedAssignments and transferredIn)",
  tag: "supervisors",
  auth: "bearer",
  query: reportQuerySchema,
  responses: {
    200: { description: "The rows (or text/csv)", schema: z.object({ items: z.array(reportRowSchema) }) },
  },
});

export function reportRoutes(api: App, desk: Desk): void {
  api.get("/api/v1/reports/productivity", requireAgent(desk), async (c) => {
    const { format, extended, ...q } = query(c, reportQuerySchema, { emptyIsAbsent: true });
    const rows = await productivity(desk, c.get("agent"), q);
    if (format === "json") return c.json({ items: rows });
    const name = `productivity-${q.from ?? "today"}-${q.to ?? q.from ?? "today"}.csv`.replace(/[^\w.-]/g, "");
    return c.body(reportCsv(rows, extended === "true" || extended === "1"), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
    });
  });
}
