import { describe, expect, it } from 'vitest'

import { cleanText, describeNotification, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH } from './notification-text.js'

describe('describeNotification', () => {
  it('shows an admin announcement as its title and message, with its level', () => {
    const announcement = { type: 'announcement', from: 'admin', title: 'Maintenance', message: 'Back at 10:00.', level: 'warning' }
    expect(describeNotification(announcement)).toEqual({ title: 'Maintenance', text: 'Back at 10:00.', level: 'warning', href: null })
    expect(describeNotification({ message: 'Deployed', level: 'info' })).toEqual({
      title: null,
      text: 'Deployed',
      level: 'info',
      href: null,
    })
  })

  it('reads body or text when there is no message, and a title alone', () => {
    expect(describeNotification({ title: 'Deploy finished', body: 'v1.4 is live' })).toEqual({
      title: 'Deploy finished',
      text: 'v1.4 is live',
      level: 'info',
      href: null,
    })
    expect(describeNotification({ text: 'plain' })).toEqual({ title: null, text: 'plain', level: 'info', href: null })
    expect(describeNotification({ title: 'Only a title' })).toEqual({ title: 'Only a title', text: '', level: 'info', href: null })
  })

  it('shows a string as itself', () => {
    expect(describeNotification('  Lunch is here  ')).toEqual({ title: null, text: 'Lunch is here', level: 'info', href: null })
  })

  it('shows anything else as compact JSON', () => {
    expect(describeNotification({ count: 3, ok: true })).toEqual({ title: null, text: '{"count":3,"ok":true}', level: 'info', href: null })
    expect(describeNotification([1, 'two'])).toEqual({ title: null, text: '[1,"two"]', level: 'info', href: null })
    expect(describeNotification(42).text).toBe('42')
    expect(describeNotification(null).text).toBe('null')
    // Known fields of the wrong type, or empty, do not count: the whole object is shown instead.
    expect(describeNotification({ title: 7, message: '' }).text).toBe('{"title":7,"message":""}')
  })

  it('treats unknown levels as info', () => {
    expect(describeNotification({ message: 'x', level: 'ERROR' }).level).toBe('warning')
    expect(describeNotification({ message: 'x', level: 'shout' }).level).toBe('info')
    expect(describeNotification({ message: 'x', level: 3 }).level).toBe('info')
  })
})

describe('cleanText with hostile strings', () => {
  it('keeps markup as literal text (it is rendered with textContent, never parsed)', () => {
    const html = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    expect(describeNotification({ message: html }).text).toBe(html)
  })

  it('removes control characters and bidi overrides that disguise text', () => {
    // "Trojan Source": U+202E would display "txt.exe" as "exe.txt".
    expect(cleanText('invoice\u202Etxt.exe', 100)).toBe('invoicetxt.exe')
    expect(cleanText('a\u2066b\u2069c\u0000d\u0007e\u001Bf\u009Bg', 100)).toBe('abcdefg')
    expect(cleanText('bell\u0008\u007F!', 100)).toBe('bell!')
  })

  it('keeps what real text needs: newlines, joiners, marks, other scripts', () => {
    expect(cleanText('line one\nline two', 100)).toBe('line one\nline two')
    expect(cleanText('👩\u200D💻 \u200Fשלום', 100)).toBe('👩\u200D💻 \u200Fשלום')
  })

  it('collapses blanks and empty lines, and trims', () => {
    expect(cleanText(' \t a \u00A0  b\r\n\r\n\r\n\n c \n', 100)).toBe('a b\n\nc')
  })

  it('cuts long text on a code point boundary with an ellipsis', () => {
    expect(cleanText('abcdef', 4)).toBe('abc…')
    expect(cleanText('😀'.repeat(10), 4)).toBe('😀😀😀…')
    const long = describeNotification({ title: 'T'.repeat(500), message: 'm'.repeat(5000) })
    expect(Array.from(long.title!)).toHaveLength(TITLE_MAX_LENGTH)
    expect(Array.from(long.text)).toHaveLength(TEXT_MAX_LENGTH)
    expect(long.text.endsWith('…')).toBe(true)
  })
})

describe('describeNotification of a comment notification', () => {
  it('says who mentioned or replied where, quotes the comment and links to its thread', () => {
    const base = {
      room: 'team notes',
      threadId: 't/1',
      commentId: 'c1',
      by: { id: 'ann', name: 'Ann', color: null },
      excerpt: '@Bob look\u202Ehere',
    }
    expect(describeNotification({ ...base, type: 'mention' })).toEqual({
      title: 'Ann mentioned you in team notes',
      text: '@Bob lookhere',
      level: 'info',
      href: '/d/team%20notes#comment-t%2F1',
    })
    expect(describeNotification({ ...base, type: 'reply' }).title).toBe('Ann replied in team notes')
  })
})
