/**
 * The frame every page shares. The header is already in `index.html` (so it is painted before any
 * script runs and nothing shifts); this fills its slots and hands pages their places.
 */
import type { IdentityStore } from '../identity/identity-store.js'
import { mountNotificationCenter, type NotificationCenter } from '../notifications/notification-center.js'
import { copyScope, forgetAllLocalCopies } from '../offline/local-copies.js'
import { clearBrowserAccessToken } from '../session/access-token.js'
import { createIdentityMenu } from './identity-menu.js'

/** Where a page puts its content. */
export interface AppShell {
  /** Left of the header, after the brand: what this page is (e.g. the document name). */
  context: HTMLElement
  /** Right of the header, before the identity menu: page actions. */
  actions: HTMLElement
  /** The page body. */
  main: HTMLElement
  /** Toasts and the inbox bell; a page connects it (see `main.ts`) and may watch more channels. */
  notifications: NotificationCenter
}

function required(id: string): HTMLElement {
  const element = document.getElementById(id)
  if (!element) throw new Error(`index.html lacks #${id}`)
  return element
}

/** Fill the header and return the slots pages render into; `token` is the page's sign-in (secure mode). */
export function mountShell(identity: IdentityStore, token: string | null): AppShell {
  const identitySlot = required('header-identity')
  const signOut = token
    ? async (): Promise<void> => {
        await forgetAllLocalCopies(copyScope(token))
        clearBrowserAccessToken()
        location.assign('/')
      }
    : undefined
  identitySlot.replaceChildren(createIdentityMenu(identity, signOut))
  const notifications = mountNotificationCenter(token)
  identitySlot.before(notifications.bell)
  return { context: required('header-context'), actions: required('header-actions'), main: required('app'), notifications }
}
