/**
 * `/admin`: the administrator's console. Signs in with the admin token (from a `#token=` sign-in
 * link or the form), then shows the live console; a token the server stops accepting, or
 * "Sign out", leads back to the sign-in card.
 */
import type { AppShell } from '../shell/app-shell.js'
import { h } from '../shell/element.js'
import { AdminUnauthorizedError, createAdminApi } from './admin-api.js'
import { type AdminConsole, createAdminConsole } from './admin-console.js'
import { createAdminTokenStore, takeTokenFromAddress } from './admin-token.js'
import { createSignInView, type SignInNotice } from './sign-in-view.js'

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}

/** Render the admin console (or its sign-in card) into the shell. */
export function renderAdminPage(shell: AppShell): void {
  document.title = 'Admin · Tandem'
  shell.context.replaceChildren(h('h1', { class: 'doc-title' }, 'Admin console'))
  const store = createAdminTokenStore(sessionStorageOrNull())
  takeTokenFromAddress(store)
  let mounted: AdminConsole | null = null

  const showSignIn = (notice: SignInNotice | null): void => {
    mounted?.destroy()
    mounted = null
    shell.actions.replaceChildren()
    const signIn = async (token: string): Promise<string | null> => {
      try {
        await createAdminApi(token).stats()
      } catch (error) {
        if (error instanceof AdminUnauthorizedError) return 'The server did not accept that token.'
        return `The token could not be checked: ${(error as Error).message}.`
      }
      store.set(token)
      showConsole(token)
      return null
    }
    shell.main.replaceChildren(h('div', { class: 'admin-sign-in-page' }, createSignInView(signIn, notice)))
  }

  const showConsole = (token: string): void => {
    mounted?.destroy()
    mounted = createAdminConsole(
      createAdminApi(token),
      () => {
        store.clear()
        showSignIn({
          tone: 'error',
          text: 'The server does not accept your token (it changes when the server’s ADMIN_TOKEN does). Sign in again.',
        })
      },
      shell.notifications.publishing,
    )
    const signOut = h('button', { type: 'button', class: 'button subtle' }, 'Sign out')
    signOut.addEventListener('click', () => {
      store.clear()
      showSignIn({ tone: 'info', text: 'You are signed out. The token was removed from this tab.' })
    })
    shell.actions.replaceChildren(signOut)
    shell.main.replaceChildren(mounted.element)
  }

  // A sign-in link pasted into a tab already on /admin changes only the fragment: no page load.
  window.addEventListener('hashchange', () => {
    if (takeTokenFromAddress(store)) showConsole(store.get()!)
  })

  const token = store.get()
  if (token) showConsole(token)
  else showSignIn(null)
}
