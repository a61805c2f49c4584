import { describe, expect, it } from 'vitest'

import { ADMIN_TOKEN_STORAGE_KEY, createAdminTokenStore, tokenFromFragment } from './admin-token.js'

describe('tokenFromFragment', () => {
  it('takes the token out of the fragment the server prints', () => {
    expect(tokenFromFragment('#token=Zx_9-abc')).toEqual({ token: 'Zx_9-abc', rest: '' })
    expect(tokenFromFragment('token=abc')).toEqual({ token: 'abc', rest: '' })
  })

  it('keeps other fragment parameters and decodes the token', () => {
    expect(tokenFromFragment('#room=notes&token=a%2Bb%3D&x=1')).toEqual({ token: 'a+b=', rest: 'room=notes&x=1' })
  })

  it('finds nothing in an empty or unrelated fragment', () => {
    expect(tokenFromFragment('')).toEqual({ token: null, rest: '' })
    expect(tokenFromFragment('#')).toEqual({ token: null, rest: '' })
    expect(tokenFromFragment('#section-2')).toEqual({ token: null, rest: 'section-2' })
  })

  it('removes an empty token parameter without taking it as a token', () => {
    expect(tokenFromFragment('#token=&a=b')).toEqual({ token: null, rest: 'a=b' })
    expect(tokenFromFragment('#token=%20')).toEqual({ token: null, rest: '' })
  })
})

/** A `sessionStorage` stand-in; `broken` makes it throw as a browser with storage disabled does. */
function memoryStorage(broken = false): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & { data: Map<string, string> } {
  const data = new Map<string, string>()
  const check = (): void => {
    if (broken) throw new DOMException('storage is disabled', 'SecurityError')
  }
  return {
    data,
    getItem: (key) => (check(), data.get(key) ?? null),
    setItem: (key, value) => (check(), void data.set(key, value)),
    removeItem: (key) => (check(), void data.delete(key)),
  }
}

describe('createAdminTokenStore', () => {
  it('keeps the token in storage until cleared', () => {
    const storage = memoryStorage()
    const store = createAdminTokenStore(storage)
    expect(store.get()).toBeNull()
    store.set('secret')
    expect(storage.data.get(ADMIN_TOKEN_STORAGE_KEY)).toBe('secret')
    expect(createAdminTokenStore(storage).get()).toBe('secret')
    store.clear()
    expect(store.get()).toBeNull()
    expect(storage.data.size).toBe(0)
  })

  it('still works for the page when storage is refused', () => {
    const store = createAdminTokenStore(memoryStorage(true))
    store.set('secret')
    expect(store.get()).toBe('secret')
    store.clear()
    expect(store.get()).toBeNull()
  })
})
