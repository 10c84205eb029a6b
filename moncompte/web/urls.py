from django.urls import path

from moncompte.web.views import access, account, captcha, demo, journey, links, messages, phones, unsubscribe

app_name = "web"

urlpatterns = [
    path("", journey.home_page, name="home"),
    path("creer-un-compte/", journey.identity_page, name="identity"),
    path("creer-un-compte/code-envoye/", journey.code_sent_page, name="code_sent"),
    path("creer-un-compte/code-personnel/", journey.choose_password_page, name="choose_password"),
    path("creer-un-compte/code-personnel/prolonger/", access.restricted_extend_page, name="restricted_extend"),
    path("creer-un-compte/coordonnees/", journey.contact_page, name="contact"),
    path("creer-un-compte/validation-email/", journey.email_validation_page, name="email_validation"),
    path("email/<str:token>/", links.email_link_page, name="email_link"),
    path("connexion/", access.sign_in_page, name="sign_in"),
    path("code-oublie/", access.code_forgot_page, name="code_forgot"),
    path("code-oublie/envoye/", access.code_forgot_sent_page, name="code_forgot_sent"),
    path("mon-compte/", account.account_page, name="account"),
    path("mon-compte/email-a-confirmer/", links.email_pending_page, name="email_pending"),
    path("mon-compte/consentement/", account.consent_page, name="consent"),
    path("mon-compte/appareils/", account.device_revoke_page, name="device_revoke"),
    path("mon-compte/email/", account.email_change_page, name="email_change"),
    path("mon-compte/code/", account.password_change_page, name="password_change"),
    path("mon-compte/telephones/", phones.phones_change_page, name="phones_change"),
    path("mon-compte/messagerie/", messages.messages_page, name="messages"),
    path("mon-compte/messagerie/message/", messages.message_page, name="message"),
    path("mon-compte/messagerie/supprimer/", messages.message_delete_page, name="message_delete"),
    path("desabonnement/<str:token>/", unsubscribe.unsubscribe_page, name="unsubscribe"),
    path("deconnexion/", access.sign_out_page, name="sign_out"),
    path("informations/<slug:name>/", journey.info_page, name="info"),
    path("captcha/nouveau/", captcha.captcha_new, name="captcha_new"),
    path("captcha/<str:challenge_id>/image.png", captcha.captcha_image, name="captcha_image"),
    path("captcha/<str:challenge_id>/audio.wav", captcha.captcha_audio, name="captcha_audio"),
    # R-MAIL2: the local mailbox answers only in the demo (404 everywhere else).
    path("demo/boite-mail/", demo.mailbox, name="demo_mailbox"),
    path("demo/boite-mail/<str:key>/", demo.mailbox_message, name="demo_mailbox_message"),
    path("demo/boite-mail/<str:key>/html", demo.mailbox_html, name="demo_mailbox_html"),
]
