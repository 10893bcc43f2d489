// The user's calendar feed (docs/calendar.md): a subscription link Outlook and other calendars
// accept, listing what falls due for them. The link carries a token of its own that reads only
// the feed; making a new link stops the old one, and the user can stop it outright.
import { call } from './api.js';
import { html, show } from './html.js';

function page(feedUrl, message) {
  show(html`
    ${message ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert"
        aria-labelledby="calendar-banner-title" data-module="govuk-notification-banner">
      <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="calendar-banner-title">Success</h2></div>
      <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${message}</p></div></div>` : ''}
    <h1 class="govuk-heading-xl">Your calendar</h1>
    <p class="govuk-body">Add what falls due for you (action plans, reviews, meetings, visits and the
      rest) to Outlook or another calendar. Each item is an all-day entry on its due date and links back
      to the school's or setting's page. Your calendar checks for changes about once an hour.</p>
    ${feedUrl ? html`
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="feed-url">Your calendar link</label>
        <div id="feed-url-hint" class="govuk-hint">Copy it now: it is shown only once. Anyone with the link can
          see what falls due for you, so do not share it.</div>
        <input class="govuk-input" id="feed-url" type="text" readonly value="${feedUrl}" aria-describedby="feed-url-hint" spellcheck="false">
      </div>
      <h2 class="govuk-heading-m">Add it to Outlook</h2>
      <ol class="govuk-list govuk-list--number">
        <li>In Outlook, go to Calendar, then Add calendar.</li>
        <li>Choose Subscribe from web (or From internet), paste the link and choose Import or OK.</li>
      </ol>` : html`
      <p class="govuk-body">You have no calendar link on show. If you made one before, it still works until you
        stop it or make a new one.</p>`}
    <div class="govuk-button-group">
      <button type="button" class="govuk-button" id="issue-feed" data-module="govuk-button">${feedUrl ? 'Make a new link' : 'Make my calendar link'}</button>
      <button type="button" class="govuk-button govuk-button--warning" id="revoke-feed" data-module="govuk-button">Stop my calendar link</button>
    </div>
    <p class="govuk-body-s">Making a new link stops the old one.</p>`, 'Your calendar');
  document.getElementById('issue-feed').addEventListener('click', async () => {
    const feed = await call('AdminService', 'IssueCalendarFeed', {});
    page(`${location.origin}${feed.path}`, 'Your calendar link is ready');
  });
  document.getElementById('revoke-feed').addEventListener('click', async () => {
    const answer = await call('AdminService', 'RevokeCalendarFeed', {});
    page('', answer.revoked ? 'Your calendar link has stopped working' : 'You had no calendar link to stop');
  });
}

export async function renderCalendar() {
  page('', '');
}
