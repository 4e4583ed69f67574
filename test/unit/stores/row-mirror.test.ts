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
});
