/**
 * The hosts one group already uses. Most groups have a handful of replicas,
 * where a small array beats a Set (and allocates far less over 50,000
 * groups); past a few dozen it switches to a Set.
 */
const SMALL = 32;

export class UsedHosts {
  private readonly list: number[] = [];
  private set: Set<number> | undefined;

  has(h: number): boolean {
    return this.set ? this.set.has(h) : this.list.includes(h);
  }

  add(h: number): void {
    if (this.set) {
      this.set.add(h);
      return;
    }
    this.list.push(h);
    if (this.list.length > SMALL) this.set = new Set(this.list);
  }

  values(): Iterable<number> {
    return this.set ?? this.list;
  }
}
