/** Hand a downloaded file to the browser as if the user had followed a download link. */

/**
 * Save `blob` as `filename`. The export routes need the bearer header, so a plain `<a href>` cannot
 * fetch them; the body is fetched first and offered through an object URL instead.
 */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // Revoking at once can cancel the download in some browsers; a minute is plenty to start it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
