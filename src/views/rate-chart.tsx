export interface RateChartProps {
  /** Requests in each second, oldest first. */
  perSecond: readonly number[]
}

const WIDTH = 600
const HEIGHT = 160
const PAD_LEFT = 44
const PAD_BOTTOM = 20
const PAD_TOP = 10

/** Round the top of the scale up to 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  return ([1, 2, 5, 10].find((step) => step * power >= value) ?? 10) * power
}

/** An area chart of requests per second, drawn on the server as inline SVG. */
export function RateChart({ perSecond }: RateChartProps) {
  const top = niceCeiling(Math.max(0, ...perSecond))
  const plotWidth = WIDTH - PAD_LEFT
  const plotHeight = HEIGHT - PAD_BOTTOM - PAD_TOP
  const step = plotWidth / Math.max(1, perSecond.length - 1)
  const points = perSecond.map((count, i) => `${(PAD_LEFT + i * step).toFixed(1)},${(PAD_TOP + plotHeight - (count / top) * plotHeight).toFixed(1)}`)
  const bottom = PAD_TOP + plotHeight
  const area = `M${PAD_LEFT},${bottom} L${points.join(' L')} L${WIDTH},${bottom} Z`
  const peak = Math.max(0, ...perSecond)
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Requests per second over the last ${perSecond.length} seconds; peak ${peak}.`}>
      {[0, 0.5, 1].map((fraction) => {
        const y = bottom - fraction * plotHeight
        return (
          <g>
            <line x1={PAD_LEFT} x2={WIDTH} y1={y} y2={y} class="grid" />
            <text x={PAD_LEFT - 6} y={y + 4} class="axis" text-anchor="end">
              {formatCount(top * fraction)}
            </text>
          </g>
        )
      })}
      <path d={area} class="area" />
      <polyline points={points.join(' ')} class="line" />
      <text x={PAD_LEFT} y={HEIGHT - 4} class="axis">
        {perSecond.length} s ago
      </text>
      <text x={WIDTH} y={HEIGHT - 4} class="axis" text-anchor="end">
        now
      </text>
    </svg>
  )
}

function formatCount(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(value % 1000 === 0 ? 0 : 1)}k`
  return Number.isInteger(value) ? String(value) : value.toFixed(1)
}
