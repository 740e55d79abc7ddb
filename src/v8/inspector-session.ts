import { Session } from 'node:inspector';

// One inspector session per thread. On the thread that owns it, Session.post completes before it
// returns, which is what lets takeSnapshot() and friends be synchronous as in Python.
let session: Session | undefined;

export function getSession(): Session {
  if (!session) {
    session = new Session();
    session.connect();
  }
  return session;
}

export function post<T = unknown>(method: string, params?: object): T {
  let result: T | undefined;
  let failure: Error | null = null;
  let done = false;
  getSession().post(method, params, (error, value) => {
    failure = error;
    result = value as T;
    done = true;
  });
  if (!done) throw new Error(`inspector call ${method} did not complete synchronously`);
  if (failure) throw failure;
  return result as T;
}
