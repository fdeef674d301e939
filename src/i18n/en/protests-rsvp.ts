// Strings of protest calls (issue 11): RSVPs, their confirmation and who sees them.
export const protestsRsvp = {
} as const;
