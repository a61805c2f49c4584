/** Which page a path shows. `/d/<room>` is a document; its URL is also its share link. `/admin` is the console. */
import { roomNameProblem } from '@tandem/protocol'

/** The page for a path. */
export type Route =
  | { page: 'home' }
  | { page: 'admin' }
  | { page: 'editor'; room: string }
  | { page: 'invalid-room'; room: string; problem: string }
  | { page: 'not-found' }

/** Route `pathname` (as in `location.pathname`). */
export function routeFor(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'home' }
  if (pathname === '/admin' || pathname === '/admin/') return { page: 'admin' }
  const match = /^\/d\/([^/]*)\/?$/.exec(pathname)
  if (!match) return { page: 'not-found' }
  let room: string
  try {
    room = decodeURIComponent(match[1]!)
  } catch {
    return { page: 'invalid-room', room: match[1]!, problem: 'The address is not valid URL encoding.' }
  }
  const problem = roomNameProblem(room)
  return problem ? { page: 'invalid-room', room, problem } : { page: 'editor', room }
}
