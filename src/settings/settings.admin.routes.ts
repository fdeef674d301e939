// The campaign settings page (admins only): name, contact, sender, privacy notice.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../app.ts';
import { organiserOf, type AdminKit } from '../admin/kit.ts';
import { Invalid } from '../errors.ts';
import { translate } from '../i18n/index.ts';
import { addressOf } from '../mail/mailer.ts';
import { paths, routes } from '../urls.ts';
import { defaultPrivacyNotice, getCampaign, saveCampaign, SettingsChangedMeanwhile, settingsVersion } from './campaign.ts';
import { parseSettingsForm, SETTINGS_FIELDS } from './settings.schema.ts';

export function settingsAdminRoutes(deps: AppDeps, kit: AdminKit): Router {
  const router = Router();
  const { db, config } = deps;

  function render(req: Request, res: Response, values: Record<string, string>, editedFrom: string, errors?: Record<string, string>) {
    if (!res.locals.csrfToken) kit.csrf.issueToken(req, res);
    res.status(errors ? 422 : 200).render('admin/settings/edit', {
      layout: 'admin',
      styles: ['/assets/admin-settings.css'],
      title: translate(res.locals.locale, 'admin.settings.title'),
      saved: req.query.done === 'saved',
      values,
      editedFrom,
      errors,
      mailFromAddress: addressOf(config.mailFrom),
      privacyUrl: paths.privacy(),
      defaultNotice: defaultPrivacyNotice(config.anonymiseAfterDays),
    });
  }

  async function showSettings(req: Request, res: Response) {
    const campaign = await getCampaign(db);
    render(req, res, { name: campaign.name, contact_email: campaign.contactEmail, sender_name: campaign.senderName, privacy_notice: campaign.privacyNotice }, settingsVersion(campaign));
  }

  async function saveSettings(req: Request, res: Response) {
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const editedFrom = typeof raw.edited_from === 'string' ? raw.edited_from : '';
    try {
      await saveCampaign(db, organiserOf(res).id, parseSettingsForm(req.body), editedFrom || undefined);
      res.redirect(303, `${paths.adminSettings()}?done=saved`);
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      // Refused over a newer save: the form now carries that version, so saving again replaces it, knowingly.
      const version = error instanceof SettingsChangedMeanwhile ? error.currentVersion : editedFrom;
      render(req, res, Object.fromEntries(SETTINGS_FIELDS.map((name) => [name, typeof raw[name] === 'string' ? raw[name] : ''])), version, error.fields);
    }
  }

  router.get(routes.adminSettings, kit.requireAdmin, kit.csrf.provideToken, showSettings);
  router.post(routes.adminSettings, kit.requireAdmin, kit.csrf.protect, saveSettings);
  return router;
}
