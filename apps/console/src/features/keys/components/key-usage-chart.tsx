import type { TKeyUsageSeries } from "@kms/domain";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDate } from "../../../lib/format";

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4b5563"];

/** Requests per day, stacked by operation. */
export function KeyUsageChart({ series }: { series: TKeyUsageSeries["series"] }) {
  const byTime = new Map<string, Record<string, number | string>>();
  for (const s of series) {
    for (const p of s.points) {
      const row = byTime.get(p.time) ?? { time: p.time };
      row[s.operation] = p.count;
      byTime.set(p.time, row);
    }
  }
  const data = [...byTime.values()].sort((a, b) => String(a.time).localeCompare(String(b.time)));
  return (
    <div className="h-72 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data}>
          <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
          <XAxis dataKey="time" tickFormatter={(v: string) => formatDate(v)} fontSize={11} />
          <YAxis allowDecimals={false} fontSize={11} />
          <Tooltip labelFormatter={(v) => formatDate(String(v))} />
          <Legend />
          {series.map((s, i) => (
            <Bar key={s.operation} dataKey={s.operation} stackId="ops" fill={COLORS[i % COLORS.length]} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
