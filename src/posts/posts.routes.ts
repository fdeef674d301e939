// Public pages of the news site: the post list, a post, an author, a tag, the feed.
import { Router, type Request, type Response } from 'express';
import type { AppDeps, HttpKit } from '../app.ts';
import { viewActionsOfPost } from '../actions/actions.service.ts';
import { featuredImageOfPost } from '../images/images.service.ts';
import { countryList } from '../signatures/countries.ts';
import { pageNumber, requireSlug } from '../http/params.ts';
import { translate } from '../i18n/index.ts';
import { buildAtomFeed } from './feed.ts';
import * as posts from './posts.service.ts';
import * as repo from './posts.repo.ts';
import { absolute, paths, routes } from '../urls.ts';

export function postsRoutes(deps: AppDeps, http: HttpKit): Router {
  const router = Router();
  const { db, config } = deps;

  const { pages } = http;
  router.get(routes.home, pages.keep(), async (req: Request, res: Response) => {
    const page = await posts.listPublished(db, pageNumber(req));
    res.render('posts/index', { page, pageUrl: paths.home() });
  });

  router.get(routes.post, pages.keep(), async (req: Request, res: Response) => {
    const { post, tags } = await posts.getPublishedPost(db, requireSlug(req.params.slug));
    const [actions, featured] = await Promise.all([
      viewActionsOfPost(db, post.id, res.locals.locale),
      featuredImageOfPost(db, post.id, config.baseUrl),
    ]);
    const signable = actions.some((a) => a.open);
    res.render('posts/show', {
      title: post.title,
      description: post.excerpt,
      post,
      tags,
      actions,
      featuredImage: featured?.view,
      // The layout's Open Graph tags: what a link to this post shows where it is shared.
      og: {
        type: 'article',
        title: post.title,
        description: post.excerpt,
        url: absolute(config.baseUrl, paths.post(post.slug)),
        image: featured?.og,
      },
      countries: signable ? countryList(res.locals.locale) : [],
      formStamp: signable ? http.formTiming.stamp() : undefined,
      // On a phone the form is below the post: a link at the top leads to the first open one.
      jumpTo: actions.find((a) => a.open)?.slug,
      scripts: actions.length ? ['/assets/count.js'] : [],
    });
  });

  router.get(routes.author, async (req: Request, res: Response) => {
    const result = await posts.listByAuthor(db, requireSlug(req.params.slug), pageNumber(req));
    res.render('posts/author', {
      title: translate(res.locals.locale, 'posts.allBy', { author: result.author.name }),
      ...result,
      pageUrl: paths.author(result.author.slug),
    });
  });

  router.get(routes.tag, async (req: Request, res: Response) => {
    const result = await posts.listByTag(db, requireSlug(req.params.slug), pageNumber(req));
    res.render('posts/tag', {
      title: translate(res.locals.locale, 'posts.tagged', { tag: result.tag.name }),
      ...result,
      pageUrl: paths.tag(result.tag.slug),
    });
  });

  router.get(routes.feed, async (_req: Request, res: Response) => {
    const site = (res.locals.campaign as { name?: string } | undefined)?.name ?? translate(res.locals.locale, 'site.name');
    const xml = buildAtomFeed({
      baseUrl: config.baseUrl,
      title: translate(res.locals.locale, 'feed.title', { site }),
      subtitle: translate(res.locals.locale, 'site.tagline'),
      language: res.locals.locale,
      posts: await repo.listFeedPosts(db, 20),
    });
    res.set('Cache-Control', 'public, max-age=60').type('application/atom+xml; charset=utf-8').send(xml);
  });

  return router;
}
