import { describe, expect, it } from 'vitest'

import { routeFor } from './router.js'

describe('routeFor', () => {
  it('routes the home page and documents', () => {
    expect(routeFor('/')).toEqual({ page: 'home' })
    expect(routeFor('/d/brave-otter-42')).toEqual({ page: 'editor', room: 'brave-otter-42' })
    expect(routeFor('/d/Team_Notes.v2/')).toEqual({ page: 'editor', room: 'Team_Notes.v2' })
  })

  it('explains why a document address is unusable', () => {
    expect(routeFor('/d/')).toMatchObject({ page: 'invalid-room', room: '', problem: expect.stringMatching(/empty/) })
    expect(routeFor('/d/hello%20world')).toMatchObject({
      page: 'invalid-room',
      room: 'hello world',
      problem: expect.stringMatching(/may only contain/),
    })
    expect(routeFor(`/d/${'x'.repeat(129)}`)).toMatchObject({ page: 'invalid-room', problem: expect.stringMatching(/128/) })
    expect(routeFor('/d/%E0%A4%A')).toMatchObject({ page: 'invalid-room', problem: expect.stringMatching(/encoding/) })
  })

  it('routes the admin console', () => {
    expect(routeFor('/admin')).toEqual({ page: 'admin' })
    expect(routeFor('/admin/')).toEqual({ page: 'admin' })
  })

  it('does not know other paths', () => {
    expect(routeFor('/d/a/b')).toEqual({ page: 'not-found' })
    expect(routeFor('/admin/rooms')).toEqual({ page: 'not-found' })
  })
})
