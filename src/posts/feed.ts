// The Atom feed of published posts, built with the `feed` package.
import { Feed } from 'feed';
import { absolute, paths } from '../urls.ts';
import type { FeedPost } from './posts.repo.ts';

export function buildAtomFeed(options: { baseUrl: string; title: string; subtitle: string; posts: FeedPost[] }): string {
  const { baseUrl, posts } = options;
  const feed = new Feed({
    id: absolute(baseUrl, paths.home()),
    title: options.title,
    description: options.subtitle,
    link: absolute(baseUrl, paths.home()),
    language: 'en',
    copyright: '',
    updated: posts[0] ? new Date(posts[0].updated_at) : new Date(0),
    feedLinks: { atom: absolute(baseUrl, paths.feed()) },
  });
  for (const post of posts) {
    const url = absolute(baseUrl, paths.post(post.slug));
    feed.addItem({
      id: url,
      link: url,
      title: post.title,
      description: post.excerpt,
      content: post.body_html,
      date: new Date(post.updated_at),
      published: new Date(post.published_at),
      author: [{ name: post.author_name }],
    });
  }
  return feed.atom1();
}
