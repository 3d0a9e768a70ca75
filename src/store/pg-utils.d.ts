/** pg's own value conversion for query parameters (Dates, arrays, Buffers, JSON), as its Query uses it. */
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown };
  export = utils;
}
