/** Time formatting for the UI, in the active locale. Pure: callers pass the clock. */

const DAY_MS = 86_400_000

/** A key identical for two timestamps on the same local calendar day. */
export function localDayKey(ts: number): string {
  const d = new Date(ts)
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`
}

function startOfLocalDay(ts: number): number {
  const d = new Date(ts)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** 'today' | 'yesterday' | null (an older day, shown as a date). */
export function relativeDay(ts: number, now: number): 'today' | 'yesterday' | null {
  const days = Math.round((startOfLocalDay(now) - startOfLocalDay(ts)) / DAY_MS)
  if (days === 0) return 'today'
  if (days === 1) return 'yesterday'
  return null
}

export function formatClock(ts: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ts)
}

export function formatDate(ts: number, locale: string, now: number): string {
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(locale, {
    year: sameYear ? undefined : 'numeric',
    month: 'long',
    day: 'numeric',
    weekday: 'long',
  }).format(ts)
}

/** The conversation list shows the time for today's messages and a short date otherwise. */
export function formatListTime(ts: number, locale: string, now: number): string {
  if (relativeDay(ts, now) === 'today') return formatClock(ts, locale)
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric' }).format(ts)
}

/** 105_000 → "1:45"; an hour or more → "1:02:03". Rounds up so "0:00" never shows while time is left. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}
