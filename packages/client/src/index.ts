/**
 * `@tandem/client`: connect a browser or Node process to a Tandem server.
 */
export {}
