import { describe, expect, it } from 'vitest';
import { imagesToPrune, type ListedImage } from '../../harness/transport/container-engine.js';

const image = (id: string, created: number, ...tags: string[]): ListedImage => ({ Id: id, Created: created, RepoTags: tags });

describe('which lab images a build removes', () => {
  const images = [
    image('new', 500, 'localhost/chaoslab/linux-host:new'),
    image('a', 100, 'localhost/chaoslab/linux-host:a'),
    image('d', 400, 'chaoslab/linux-host:d'),
    image('b', 200, 'localhost/chaoslab/linux-host:b'),
    image('c', 300, 'localhost/chaoslab/linux-host:c'),
    image('base', 50, 'localhost/chaoslab/linux-base:x'),
    image('other', 10, 'docker.io/library/postgres:15'),
    image('dangling', 5),
  ];

  it('keeps the one just built and the newest others, and removes older builds only', () => {
    expect(imagesToPrune(images, 'chaoslab/linux-host', 'chaoslab/linux-host:new', 3).map((i) => i.Id)).toEqual(['a']);
    expect(imagesToPrune(images, 'chaoslab/linux-host', 'chaoslab/linux-host:new', 1).map((i) => i.Id)).toEqual(['c', 'b', 'a']);
    expect(imagesToPrune(images, 'chaoslab/linux-host', 'chaoslab/linux-host:new', 0).map((i) => i.Id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('never removes an image of another repository, or one that also carries the kept tag', () => {
    const shared = [...images, image('twice', 1, 'localhost/chaoslab/linux-host:old', 'localhost/chaoslab/linux-host:new')];
    const removed = imagesToPrune(shared, 'chaoslab/linux-host', 'chaoslab/linux-host:new', 0).map((i) => i.Id);
    expect(removed).not.toContain('twice');
    expect(removed).not.toContain('base');
    expect(removed).not.toContain('other');
    expect(removed).not.toContain('dangling');
  });

  it('does not take a repository whose name only ends the same for this one', () => {
    const lookalike = [image('x', 1, 'localhost/notchaoslab/linux-host:z'), image('y', 2, 'localhost/chaoslab/linux-host-old:z')];
    expect(imagesToPrune(lookalike, 'chaoslab/linux-host', 'chaoslab/linux-host:new', 0)).toEqual([]);
  });
});
