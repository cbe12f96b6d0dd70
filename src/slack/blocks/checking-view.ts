import { escapeText, plain, section } from './block-kit.js';

/**
 * A modal with no submit button, for work that finishes after Slack's 3 s: the submission is
 * answered with it at once, and `views.update` replaces it with the outcome.
 */
export function progressView(title: string, text: string) {
  return {
    type: 'modal' as const,
    title: plain(title),
    close: plain('Close'),
    blocks: [section(text)],
  };
}

/** While Slack is slow to tell us who the people in a request are. */
export function checkingView() {
  return progressView(
    'Checking…',
    ':hourglass_flowing_sand: Checking the people in your request with Slack. This can take a few seconds; the outcome appears here.',
  );
}

/** A valid request while it is being stored: the modal shows the request (or a problem found) a moment later. */
export function sendingView(personName: string) {
  return progressView(
    'Sending…',
    `:outbox_tray: Sending the request to offboard ${escapeText(personName)} for approval. The request appears here in a moment; if it does not within a minute, run /offboard again.`,
  );
}
