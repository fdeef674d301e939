// Strings of protest calls (issue 11): the call's page, its protests, calendars and proposals.
export const protestsPage = {
} as const;
