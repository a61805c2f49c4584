import { describe, expect, it } from 'vitest'

import { cleanName, IDENTITY_STORAGE_KEY, loadIdentity, parseIdentity, randomIdentity, saveIdentity } from './identity.js'
import { PALETTE } from './palette.js'

function memoryStorage(initial: Record<string, string> = {}): Pick<Storage, 'getItem' | 'setItem'> & { data: Record<string, string> } {
  const data = { ...initial }
  return { data, getItem: (key) => data[key] ?? null, setItem: (key, value) => void (data[key] = value) }
}

describe('identity', () => {
  it('makes up a two-word name and a palette colour', () => {
    const identity = randomIdentity(() => 0)
    expect(identity).toEqual({ name: 'Curious Fox', color: PALETTE[0] })
    const other = randomIdentity(() => 0.999)
    expect(other.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
    expect(PALETTE).toContain(other.color)
  })

  it('stores a new identity on first load and returns the same one afterwards', () => {
    const storage = memoryStorage()
    const first = loadIdentity(storage, () => 0.5)
    expect(JSON.parse(storage.data[IDENTITY_STORAGE_KEY]!)).toEqual(first)
    expect(loadIdentity(storage, () => 0.1)).toEqual(first)
  })

  it('replaces a malformed stored identity', () => {
    for (const stored of ['{', '"x"', '{"name":"","color":"#123456"}', '{"name":"Ada","color":"red"}', 'null']) {
      expect(parseIdentity(stored), stored).toBeNull()
      const storage = memoryStorage({ [IDENTITY_STORAGE_KEY]: stored })
      expect(loadIdentity(storage, () => 0)).toEqual({ name: 'Curious Fox', color: PALETTE[0] })
    }
  })

  it('keeps an edited name, cleaned', () => {
    const storage = memoryStorage()
    saveIdentity(storage, { name: 'Ada Lovelace', color: '#1d4ed8' })
    expect(loadIdentity(storage)).toEqual({ name: 'Ada Lovelace', color: '#1d4ed8' })
    expect(cleanName('  Ada \n  Lovelace ')).toBe('Ada Lovelace')
    expect(cleanName('   ')).toBeNull()
    expect(cleanName('x'.repeat(100))).toHaveLength(40)
  })

  it('still works when storage throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    expect(loadIdentity(broken, () => 0).name).toBe('Curious Fox')
  })
})
