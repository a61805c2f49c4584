import { describe, expect, it } from 'vitest'

import { metricValue, parsePrometheusText } from './prometheus-text.js'

const scrape = `# HELP tandem_connections Open WebSocket connections, by kind
# TYPE tandem_connections gauge
tandem_connections{kind="document"} 3
tandem_connections{kind="events"} 2

# TYPE tandem_rooms_loaded gauge
tandem_rooms_loaded 4
tandem_persist_duration_seconds_bucket{le="0.001"} 7
tandem_persist_duration_seconds_bucket{le="+Inf"} 9
tandem_persist_duration_seconds_sum 0.0123
tandem_connections_rejected_total{reason="unauthorized"} 5 1700000000000
tandem_connections_rejected_total{reason="forbidden"} 1
odd_label{path="a \\"quoted\\" \\\\ value",second="x"} 1e3
`

describe('parsePrometheusText', () => {
  it('reads names, labels and values and skips comments and blank lines', () => {
    const samples = parsePrometheusText(scrape)
    expect(samples).toHaveLength(9)
    expect(samples[0]).toEqual({ name: 'tandem_connections', labels: { kind: 'document' }, value: 3 })
    expect(samples[2]).toEqual({ name: 'tandem_rooms_loaded', labels: {}, value: 4 })
    expect(samples[4]).toEqual({ name: 'tandem_persist_duration_seconds_bucket', labels: { le: '+Inf' }, value: 9 })
    expect(samples[5]!.value).toBeCloseTo(0.0123)
  })

  it('ignores a trailing timestamp and unescapes label values', () => {
    const samples = parsePrometheusText(scrape)
    expect(samples[6]).toEqual({ name: 'tandem_connections_rejected_total', labels: { reason: 'unauthorized' }, value: 5 })
    expect(samples[8]).toEqual({ name: 'odd_label', labels: { path: 'a "quoted" \\ value', second: 'x' }, value: 1000 })
  })

  it('understands the special values and skips lines it cannot read', () => {
    expect(parsePrometheusText('a +Inf\nb -Inf\nc NaN').map((sample) => sample.value)).toEqual([Infinity, -Infinity, NaN])
    expect(parsePrometheusText('no_value\nbad{label=unquoted} 1\n{} 3\nfine 2\nwords are not numbers')).toEqual([
      { name: 'fine', labels: {}, value: 2 },
    ])
  })
})

describe('metricValue', () => {
  const samples = parsePrometheusText(scrape)

  it('picks the series with matching labels', () => {
    expect(metricValue(samples, 'tandem_connections', { kind: 'document' })).toBe(3)
    expect(metricValue(samples, 'tandem_connections', { kind: 'events' })).toBe(2)
  })

  it('adds up every series without labels to match, and is null for an absent metric', () => {
    expect(metricValue(samples, 'tandem_connections_rejected_total')).toBe(6)
    expect(metricValue(samples, 'tandem_connections', { kind: 'other' })).toBeNull()
    expect(metricValue(samples, 'tandem_nope')).toBeNull()
  })
})
