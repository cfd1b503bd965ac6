/** Loads once per key and on `reload()`; a newer load aborts the older one, and unmounting aborts the last. */
import { useCallback, useEffect, useState } from 'react';

export type LoadState<T> = { status: 'loading' } | { status: 'done'; value: T } | { status: 'failed'; error: Error };

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): LoadState<T> & { reload(): void } {
  const [state, setState] = useState<LoadState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (value) => { if (!controller.signal.aborted) setState({ status: 'done', value }); },
      (error: unknown) => { if (!controller.signal.aborted) setState({ status: 'failed', error: error instanceof Error ? error : new Error(String(error)) }); },
    );
    return () => controller.abort();
    // `load` is a new closure each render; the key says when it asks for something else.
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((current) => current + 1), []);
  return { ...state, reload };
}
