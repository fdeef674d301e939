// Strings of protest calls (issue 11): reminders and notices to RSVPs.
export const protestsNotices = {
} as const;
