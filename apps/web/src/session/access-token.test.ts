import { describe, expect, it } from 'vitest'

import { ACCESS_TOKEN_STORAGE_KEY, loadAccessToken, takeTokenFromUrl } from './access-token.js'

function memoryStorage(initial: Record<string, string> = {}): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial))
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) }
}

describe('takeTokenFromUrl', () => {
  it('takes the token from the query and keeps the other parameters', () => {
    expect(takeTokenFromUrl('https://t.example/d/notes?token=abc.def.ghi&view=1#top')).toEqual({
      token: 'abc.def.ghi',
      cleanHref: 'https://t.example/d/notes?view=1#top',
    })
  })

  it('takes the token from the fragment', () => {
    expect(takeTokenFromUrl('https://t.example/d/notes#token=abc')).toEqual({ token: 'abc', cleanHref: 'https://t.example/d/notes' })
    expect(takeTokenFromUrl('https://t.example/#token=abc&x=1').cleanHref).toBe('https://t.example/#x=1')
  })

  it('prefers the query and strips the token from both places', () => {
    expect(takeTokenFromUrl('https://t.example/?token=q#token=f')).toEqual({ token: 'q', cleanHref: 'https://t.example/' })
  })

  it('leaves a URL without a token untouched', () => {
    const href = 'https://t.example/d/notes?view=1#top'
    expect(takeTokenFromUrl(href)).toEqual({ token: null, cleanHref: href })
  })

  it('strips an empty token without treating it as one', () => {
    expect(takeTokenFromUrl('https://t.example/d/notes?token=')).toEqual({ token: null, cleanHref: 'https://t.example/d/notes' })
  })
})

describe('loadAccessToken', () => {
  it('stores a token from the URL and removes it from the address bar', () => {
    const storage = memoryStorage({ [ACCESS_TOKEN_STORAGE_KEY]: 'old' })
    const replaced: string[] = []
    const token = loadAccessToken({ href: 'http://h/d/notes?token=new', storage, replaceHref: (href) => replaced.push(href) })
    expect(token).toBe('new')
    expect(storage.items.get(ACCESS_TOKEN_STORAGE_KEY)).toBe('new')
    expect(replaced).toEqual(['http://h/d/notes'])
  })

  it('falls back to the token stored earlier in this tab without touching the address bar', () => {
    const replaced: string[] = []
    const token = loadAccessToken({
      href: 'http://h/',
      storage: memoryStorage({ [ACCESS_TOKEN_STORAGE_KEY]: 'kept' }),
      replaceHref: (href) => replaced.push(href),
    })
    expect(token).toBe('kept')
    expect(replaced).toEqual([])
  })

  it('has no token in open mode', () => {
    expect(loadAccessToken({ href: 'http://h/', storage: memoryStorage(), replaceHref: () => {} })).toBeNull()
  })
})
