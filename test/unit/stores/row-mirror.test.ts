import { RowMirror } from '../../../shared/stores/duckdb/row-mirror';

describe('RowMirror', () => {
  it('tells a remembered row, a remembered absence and a key it does not know apart', () => {
    const mirror = new RowMirror<{ state: string }>();
    mirror.set('a', { state: 'posted' });
    mirror.set('b', null);
    expect(mirror.get('a')).toEqual({ state: 'posted' });
    expect(mirror.get('b')).toBeNull();
    expect(mirror.get('c')).toBeUndefined();
    mirror.forget('a');
    expect(mirror.get('a')).toBeUndefined();
  });

  it('forgets the least recently used key past its capacity, never one just read', () => {
    const mirror = new RowMirror<number>(3);
    mirror.set('a', 1);
    mirror.set('b', 2);
    mirror.set('c', 3);
    expect(mirror.get('a')).toBe(1);
    mirror.set('d', 4);
    expect(mirror.get('b')).toBeUndefined();
    expect([mirror.get('a'), mirror.get('c'), mirror.get('d')]).toEqual([1, 3, 4]);
  });

  it('reads a key it does not know once, and remembers what it read, an absence too', async () => {
    const mirror = new RowMirror<string>();
    const loads: string[] = [];
    const load = (key: string, row: string | undefined) => () => {
      loads.push(key);
      return Promise.resolve(row);
    };
    expect(await mirror.getOrLoad('a', load('a', 'row a'))).toBe('row a');
    expect(await mirror.getOrLoad('a', load('a', 'changed'))).toBe('row a');
    expect(await mirror.getOrLoad('b', load('b', undefined))).toBeUndefined();
    expect(await mirror.getOrLoad('b', load('b', 'row b'))).toBeUndefined();
    expect(loads).toEqual(['a', 'b']);
  });
});
