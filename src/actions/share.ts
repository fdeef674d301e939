// Share links for the thank-you page: plain links, no third-party scripts.
export function shareLinks(url: string, text: string): { label: string; url: string }[] {
  const u = encodeURIComponent(url);
  const t = encodeURIComponent(text);
  return [
    { label: 'share.email', url: `mailto:?subject=${t}&body=${encodeURIComponent(`${text}\n\n${url}`)}` },
    { label: 'share.whatsapp', url: `https://wa.me/?text=${encodeURIComponent(`${text} ${url}`)}` },
    { label: 'share.telegram', url: `https://t.me/share/url?url=${u}&text=${t}` },
    { label: 'share.x', url: `https://x.com/intent/post?text=${t}&url=${u}` },
    { label: 'share.facebook', url: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
  ];
}
