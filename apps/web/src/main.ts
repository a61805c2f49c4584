/** The web app's entry point: set up the shell and render the page the path asks for. */
import './styles/index.css'

import { registerSW } from 'virtual:pwa-register'

import { renderAdminPage } from './admin/admin-page.js'
import { renderEditorPage } from './editor/editor-page.js'
import { renderHomePage } from './home/home-page.js'
import { createIdentityStore } from './identity/identity-store.js'
import { renderMessagePage } from './pages/message-page.js'
import { routeFor } from './router.js'
import { browserAccessToken } from './session/access-token.js'
import { mountShell } from './shell/app-shell.js'

const route = routeFor(location.pathname)
// Before anything reads or shares the URL: this takes the token out of the address bar. The admin
// console's `#token=` is the administrator's sign-in link, which the console takes itself.
const token = route.page === 'admin' ? null : browserAccessToken()
const identity = createIdentityStore()
const shell = mountShell(identity, token)

switch (route.page) {
  case 'home':
    renderHomePage(shell, token)
    break
  case 'admin':
    renderAdminPage(shell)
    break
  case 'editor':
    renderEditorPage(shell, route.room, identity, token)
    break
  case 'invalid-room':
    renderMessagePage(shell, 'That is not a document address', `“${route.room.slice(0, 140)}” cannot be a document name: ${route.problem}`)
    break
  case 'not-found':
    renderMessagePage(shell, 'Nothing here', 'This page does not exist. Your documents are on the home page.')
    break
}

// The editor connects notifications to its document socket; every other page gets a connection of its own.
if (!shell.notifications.connected) shell.notifications.connect()

// The service worker caches the app shell so pages open offline; it updates itself in the background.
registerSW({ immediate: true })
