import { describe, expect, it } from 'vitest'

import { createResumePoint, RESUME_STORAGE_KEY } from './resume-point.js'

function memoryStorage(initial: Record<string, string> = {}): Pick<Storage, 'getItem' | 'setItem'> & { data: Record<string, string> } {
  const data = { ...initial }
  return { data, getItem: (key) => data[key] ?? null, setItem: (key, value) => void (data[key] = value) }
}

describe('createResumePoint', () => {
  it('is empty until a message is seen, then remembers its id', () => {
    const storage = memoryStorage()
    const resume = createResumePoint(storage)
    expect(resume.load()).toBeNull()
    resume.advance(41)
    expect(storage.data[RESUME_STORAGE_KEY]).toBe('41')
    expect(createResumePoint(storage).load()).toBe(41)
  })

  it('never moves backwards, so a tab that saw less cannot rewind another', () => {
    const storage = memoryStorage()
    const behind = createResumePoint(storage)
    const ahead = createResumePoint(storage)
    ahead.advance(60)
    behind.advance(50)
    expect(behind.load()).toBe(60)
  })

  it('ignores a malformed stored value and survives storage that throws', () => {
    for (const stored of ['-1', '1.5', 'abc', '', '99999999999999999']) {
      expect(createResumePoint(memoryStorage({ [RESUME_STORAGE_KEY]: stored })).load(), stored).toBeNull()
    }
    const broken = createResumePoint({
      getItem: () => {
        throw new Error('SecurityError')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      },
    })
    expect(broken.load()).toBeNull()
    expect(() => broken.advance(3)).not.toThrow()
  })
})
