// What each feature runs in the background, in one list: the jobs it enqueues
// and the periodic tasks it needs. The queue and the workers (src/jobs) take
// these and know no feature themselves.
import { updateCountsTask } from './actions/counts.ts';
import { sendOrganiserEmailJob } from './admin/organiser-email.job.ts';
import { pruneAdminSessionsTask } from './admin/prune.task.ts';
import { pruneRateLimitsTask } from './http/rate-limit.ts';
import { startLetterDigestsTask } from './letters/digests.task.ts';
import { startScheduledLettersTask } from './letters/scheduled.task.ts';
import { purgeMailRecordsTask } from './mail/purge.task.ts';
import { queueProtestRemindersTask } from './protests/notices.task.ts';
import { sendProtestNoticesTask } from './protests/send-notices.task.ts';
import type { AnyJobDefinition, PeriodicTask } from './jobs/job.ts';
import { notifyLetterBounceJob } from './letters/bounce-notice.job.ts';
import { deliverLettersTask } from './letters/deliver.task.ts';
import { notifyProtestProposalJob } from './protests/proposal-notice.job.ts';
import { purgeStaleSignaturesTask } from './signatures/purge.task.ts';
import { sendConfirmationJob } from './signatures/send-confirmation.job.ts';
import { anonymiseSignaturesTask } from './supporters/anonymise.task.ts';
import { sendPrivacyLinkJob } from './supporters/privacy.job.ts';
import { deliverUpdatesTask } from './updates/deliver.task.ts';
import { emailSupportersJob } from './updates/email-supporters.job.ts';
import { sendUpdateTestJob } from './updates/send-test.job.ts';
import { startDueUpdatesTask } from './updates/start-due.task.ts';

export const jobs: readonly AnyJobDefinition[] = [sendConfirmationJob, sendOrganiserEmailJob, sendPrivacyLinkJob, emailSupportersJob, sendUpdateTestJob, notifyLetterBounceJob, notifyProtestProposalJob];

export const periodicTasks: readonly PeriodicTask[] = [
  updateCountsTask, purgeStaleSignaturesTask, pruneRateLimitsTask, purgeMailRecordsTask, pruneAdminSessionsTask, anonymiseSignaturesTask, startDueUpdatesTask, deliverUpdatesTask, deliverLettersTask,
  startLetterDigestsTask, startScheduledLettersTask, queueProtestRemindersTask, sendProtestNoticesTask,
];
