// A write that must not be lost to a database blip (a restart takes a second
// or two): tried again with back-off, 0.25 s doubling, about 8 s in all, then
// given up with the last error.
const ATTEMPTS = 6;

export async function persistently<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    }
  }
}
