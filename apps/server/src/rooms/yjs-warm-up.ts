/**
 * Run Yjs' integration code until V8 has compiled it. A fresh thread integrates its first large
 * updates three to five times slower than a warm one; the integration probe's worker times updates
 * for the main thread, so both must be warm for the timing to say what the main thread will spend.
 */
import * as Y from 'yjs'

/** Integrate a few thousand structs of every common kind, several times (~100 ms). */
export function warmUpYjs(rounds = 6): void {
  for (let round = 0; round < rounds; round++) {
    const authors = [1, 2, 3].map((clientID) => Object.assign(new Y.Doc(), { clientID }))
    for (const [index, author] of authors.entries()) {
      const text = author.getText('t')
      author.transact(() => {
        for (let i = 0; i < 600; i++) text.insert(index === 0 ? 0 : (i * 7) % (text.length + 1), 'w')
      })
      text.format(0, 20, { bold: true })
      text.delete(30, 10)
      author.getMap('m').set(`k${index}`, { round, list: [1, 2, 3] })
      author.getXmlFragment('x').insert(0, [new Y.XmlElement('p')])
    }
    const target = new Y.Doc()
    for (const author of authors) Y.applyUpdate(target, Y.encodeStateAsUpdate(author))
    Y.encodeStateAsUpdate(target)
    for (const doc of [...authors, target]) doc.destroy()
  }
}
