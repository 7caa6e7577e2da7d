// Charts as inline SVG drawn on the server: no chart library, no script, readable without CSS.
// Each chart names itself for screen readers; the pages show the same numbers in a table.

export type Series = { name: string; color: string; values: number[] };

const WIDTH = 720;
const HEIGHT = 240;
const PAD = { left: 56, right: 12, top: 16, bottom: 40 };

/** Grouped bars: one group per label, one bar per series. */
export function BarChart(props: { id: string; title: string; labels: string[]; series: Series[]; format?: (value: number) => string }) {
  const format = props.format ?? ((value: number) => String(value));
  const max = Math.max(1, ...props.series.flatMap((s) => s.values));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const group = plotW / Math.max(1, props.labels.length);
  const bar = Math.max(1, (group * 0.8) / Math.max(1, props.series.length));
  const y = (value: number) => PAD.top + plotH - (value / max) * plotH;
  const every = Math.ceil(props.labels.length / 12);
  return (
    <figure>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${props.id}-title`} id={props.id}>
        <title id={`${props.id}-title`}>{props.title}</title>
        {[0, 0.5, 1].map((f) => (
          <g>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(max * f)} y2={y(max * f)} stroke="#c8c8c8" />
            <text x={PAD.left - 6} y={y(max * f) + 4} text-anchor="end" font-size="12" fill="#4a4a4a">
              {format(max * f)}
            </text>
          </g>
        ))}
        {props.labels.map((label, i) => (
          <g>
            {props.series.map((s, k) => (
              <rect x={PAD.left + i * group + group * 0.1 + k * bar} y={y(s.values[i] ?? 0)} width={bar} height={PAD.top + plotH - y(s.values[i] ?? 0)} fill={s.color}>
                <title>{`${s.name}, ${label}: ${format(s.values[i] ?? 0)}`}</title>
              </rect>
            ))}
            {i % every === 0 ? (
              <text x={PAD.left + i * group + group / 2} y={HEIGHT - PAD.bottom + 16} text-anchor="middle" font-size="11" fill="#4a4a4a">
                {label}
              </text>
            ) : null}
          </g>
        ))}
        {props.series.map((s, k) => (
          <g>
            <rect x={PAD.left + k * 150} y={HEIGHT - 14} width="12" height="12" fill={s.color} />
            <text x={PAD.left + k * 150 + 16} y={HEIGHT - 4} font-size="12" fill="#1a1a1a">
              {s.name}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
