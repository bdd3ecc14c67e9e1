/** What `fn` throws (undefined when it returns), for `toMatchObject` on a coded error's fields. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
