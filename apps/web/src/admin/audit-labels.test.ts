import { describe, expect, it } from 'vitest'

import { actionLabel, actorLabel } from './audit-labels.js'

describe('audit labels', () => {
  it('names actors and actions in words, and leaves unknown ones as they are', () => {
    expect(actorLabel('admin')).toBe('the administrator')
    expect(actorLabel('user:ann')).toBe('ann')
    expect(actorLabel('anonymous')).toBe('an anonymous writer')
    expect(actorLabel('system')).toBe('retention')
    expect(actorLabel('robot')).toBe('robot')
    expect(actionLabel('trash.restore')).toBe('Restored')
    expect(actionLabel('settings.change')).toBe('settings.change')
  })
})
