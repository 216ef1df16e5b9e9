"""Every word a user reads, in Dutch and English, in one place.

The Dutch follows the Nextens manual; the English says the same.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

NL: dict[str, str] = {
    "product": "Nextens",
    "title": "Twee staps verificatie",
    "step_of": "Stap {step} van {total}",
    "next": "Volgende",
    "back": "Vorige",
    "submit_code": "Controleren",
    "to_login": "Naar inloggen",
    "help_sync_link": "Codes worden niet geaccepteerd? Zet de klok van uw telefoon gelijk.",
    # Enrollment
    "enroll.intro": (
        "Voor uw kantoor is twee staps verificatie geactiveerd. Na het inloggen met "
        "gebruikersnaam en wachtwoord vraagt Nextens voortaan ook om een code van 6 cijfers "
        "uit een app op uw telefoon."
    ),
    "enroll.install.heading": "Installeer de app",
    "enroll.install.body": (
        "Installeer Microsoft Authenticator of Google Authenticator op uw telefoon. "
        "U vindt beide apps gratis in de App Store (iPhone) en in Google Play (Android)."
    ),
    "enroll.scan.heading": "Scan de QR-code",
    "enroll.scan.body": (
        "Open de app, kies 'Account toevoegen' (Microsoft Authenticator: 'Ander account') "
        "en scan deze QR-code met de camera van uw telefoon."
    ),
    "enroll.scan.qr_label": "QR-code voor uw authenticator app",
    "enroll.scan.manual": "Lukt scannen niet? Voer dan deze sleutel handmatig in de app in:",
    "enroll.code.heading": "Voer de code in",
    "enroll.code.body": (
        "Voer de code van 6 cijfers in die de app nu toont. De app maakt elke 30 seconden "
        "een nieuwe code."
    ),
    "enroll.finish.heading": "Noteer uw resetcode en activeer",
    "enroll.finish.body": (
        "Dit is uw persoonlijke resetcode. Raakt u uw telefoon kwijt, dan kunt u met deze "
        "code zelf de twee staps verificatie opnieuw instellen."
    ),
    "enroll.finish.advice": (
        "Bewaar de resetcode op een veilige plek, niet op uw telefoon. U kunt hem later "
        "opnieuw bekijken na het invoeren van uw wachtwoord."
    ),
    "enroll.finish.button": "Activeren",
    "enroll.expired": "Deze stap is verlopen. Begin opnieuw met het instellen.",
    # Verification
    "verify.heading": "Voer uw verificatie code in",
    "verify.body": "Open de authenticator app op uw telefoon en voer de code van 6 cijfers in.",
    "verify.lost": "Twee staps verificatie code kwijt?",
    "field.code": "Verificatie code",
    "field.reset_code": "Resetcode",
    "field.password": "Wachtwoord",
    # Recovery
    "recover.heading": "Twee staps verificatie code kwijt?",
    "recover.body": (
        "Voer uw persoonlijke resetcode in. Daarna stelt u de twee staps verificatie "
        "opnieuw in met een nieuwe QR-code; de oude instelling in de app werkt dan niet meer."
    ),
    "recover.button": "Opnieuw instellen",
    "recover.back": "Terug naar de code",
    # Errors on fields
    "error.code_missing": "Vul de verificatie code in.",
    "error.code_malformed": "Een verificatie code bestaat uit 6 cijfers.",
    "error.code_wrong": "Deze code is niet juist. Probeer de code die de app nu toont.",
    "error.code_replayed": "Deze code is al gebruikt. Wacht op de volgende code in de app.",
    "error.code_drift": (
        "Deze code hoort bij een ander tijdstip: de klok van uw telefoon lijkt niet gelijk "
        "te lopen. Zet de klok gelijk en probeer het opnieuw."
    ),
    "error.reset_code_missing": "Vul uw resetcode in.",
    "error.reset_code_malformed": "Een resetcode bestaat uit 20 letters en cijfers.",
    "error.reset_code_wrong": "Deze resetcode is niet juist.",
    "error.locked": ("Te veel onjuiste pogingen. Probeer het over {seconds} seconden opnieuw."),
    "error.csrf": "Het formulier is verlopen of komt niet van deze pagina. Probeer het opnieuw.",
    "error.form_unreadable": (
        "Het formulier kon niet worden gelezen: een veld is te lang of ontbreekt. "
        "Probeer het opnieuw."
    ),
    # Whole-page errors
    "page.403.title": "Geen toegang",
    "page.403.body": "U heeft geen rechten voor deze pagina.",
    "page.404.title": "Niet gevonden",
    "page.404.body": "Deze pagina bestaat niet.",
    "page.413.title": "Te veel gegevens",
    "page.413.body": "Het formulier bevat meer gegevens dan toegestaan.",
    "page.429.title": "Te veel pogingen",
    "page.500.title": "Er ging iets mis",
    "page.500.body": "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
    "page.503.title": "Tijdelijk niet beschikbaar",
    "page.503.body": (
        "De twee staps verificatie is op dit moment niet bereikbaar. Voor uw veiligheid "
        "kunt u Nextens pas verder gebruiken als die weer werkt. Probeer het over een "
        "minuut opnieuw."
    ),
    "page.unknown_user.body": "Uw sessie hoort niet bij een bekende gebruiker. Log opnieuw in.",
    # Office settings (Instellingen > Gebruikersbeheer > Twee staps verificatie)
    "office.heading": "Twee staps verificatie",
    "office.breadcrumb": "Instellingen > Gebruikersbeheer > Twee staps verificatie",
    "office.active": (
        "Op dit moment is twee staps verificatie geactiveerd voor uw kantoor. Bij het "
        "inloggen vraagt Nextens naast gebruikersnaam en wachtwoord ook om een verificatie "
        "code uit de app op de telefoon."
    ),
    "office.inactive": (
        "Op dit moment is twee staps verificatie niet geactiveerd voor uw kantoor. Bij het "
        "inloggen worden alleen gebruikersnaam en wachtwoord gecontroleerd."
    ),
    "office.linked_warning": (
        "Let op: uw kantoor is gekoppeld aan andere kantoren in een kantorengroep. "
        "Activeren of deactiveren van twee staps verificatie geldt voor alle gekoppelde "
        "kantoren: {offices}."
    ),
    "office.activate_button": "Twee staps verificatie activeren",
    "office.view_reset_code": "Bekijk reset code",
    "office.deactivate_button": "Deactiveren",
    "office.users_link": "Gebruikers en hun twee staps verificatie",
    "office.events_heading": "Recente gebeurtenissen",
    "office.events_empty": "Nog geen gebeurtenissen.",
    "office.activated_done": "Twee staps verificatie is geactiveerd.",
    "office.deactivated_done": "Twee staps verificatie is gedeactiveerd.",
    "office.back": "Terug naar twee staps verificatie",
    "col.when": "Tijdstip",
    "col.event": "Gebeurtenis",
    "col.user": "Gebruiker",
    "col.actor": "Door",
    "col.address": "Adres",
    "col.name": "Naam",
    "col.status": "Twee staps verificatie",
    "col.since": "Ingesteld sinds",
    "col.last_verified": "Laatst geverifieerd",
    "status.enrolled": "Ingesteld",
    "status.not_enrolled": "Niet ingesteld",
    "event.enrollment_started": "Instellen begonnen",
    "event.enrolled": "Ingesteld",
    "event.verified": "Code geaccepteerd",
    "event.code_failed": "Onjuiste code",
    "event.reset_code_failed": "Onjuiste resetcode",
    "event.password_failed": "Onjuist wachtwoord",
    "event.locked_out": "Geblokkeerd na te veel pogingen",
    "event.recovered": "Opnieuw ingesteld met resetcode",
    "event.reset_by_admin": "Gereset door beheerder",
    "event.reset_code_viewed": "Resetcode bekeken",
    "event.activated": "Geactiveerd",
    "event.deactivated": "Gedeactiveerd",
    # Activation wizard
    "activate.heading": "Twee staps verificatie activeren",
    "activate.password.heading": "Bevestig met uw wachtwoord",
    "activate.password.body": "Voer uw Nextens wachtwoord in om de activering te bevestigen.",
    "activate.finish.note": (
        "Pas na een klik op 'Activeren' is twee staps verificatie actief voor uw kantoor "
        "en voor alle gekoppelde kantoren. Alle gebruikers stellen het daarna bij het "
        "inloggen in op hun eigen telefoon."
    ),
    "activate.already_active": "Twee staps verificatie is al geactiveerd voor uw kantoor.",
    "password.button": "Bevestigen",
    # Own reset code
    "reset_code.heading": "Uw resetcode",
    "reset_code.body": "Voer uw wachtwoord in om uw persoonlijke resetcode te bekijken.",
    "reset_code.shown": (
        "Dit is uw persoonlijke resetcode. Bewaar hem op een veilige plek, niet op uw telefoon."
    ),
    "reset_code.none": "U heeft twee staps verificatie nog niet ingesteld.",
    # Deactivation
    "deactivate.heading": "Twee staps verificatie deactiveren",
    "deactivate.body": (
        "Na deactiveren worden bij het inloggen alleen gebruikersnaam en wachtwoord "
        "gecontroleerd. De instellingen van alle gebruikers worden verwijderd: bij een "
        "nieuwe activering stelt iedereen de app opnieuw in."
    ),
    "deactivate.confirm": "Voer uw wachtwoord in en klik op 'Deactiveren' om te bevestigen.",
    # User management
    "users.heading": "Gebruikers van {office}",
    "user.heading": "Gebruiker {user}",
    "user.reset_button": "Twee staps verificatie resetten",
    "user.reset_explain": (
        "Resetten verwijdert de instelling van deze gebruiker. Bij de volgende keer inloggen "
        "stelt de gebruiker twee staps verificatie opnieuw in."
    ),
    "user.reset_confirm": (
        "Weet u zeker dat u de twee staps verificatie van {user} wilt resetten? {user} moet "
        "daarna opnieuw instellen."
    ),
    "user.reset_yes": "Resetten",
    "user.reset_cancel": "Annuleren",
    "user.reset_done": "De twee staps verificatie van {user} is gereset.",
    "user.nothing_to_reset": "Deze gebruiker heeft twee staps verificatie niet ingesteld.",
    "user.no_self_reset": (
        "Uw eigen twee staps verificatie reset u niet hier: gebruik bij het inloggen uw "
        "persoonlijke resetcode ('Twee staps verificatie code kwijt?')."
    ),
    "error.password_missing": "Vul uw wachtwoord in.",
    "error.password_wrong": "Dit wachtwoord is niet juist.",
    # Clock sync help
    "sync.heading": "Klok van uw telefoon gelijkzetten",
    "sync.intro": (
        "De codes van de app zijn gebaseerd op de tijd. Loopt de klok van uw telefoon voor "
        "of achter, dan worden de codes niet geaccepteerd. Zo zet u de klok gelijk:"
    ),
    "sync.android_google.heading": "Android met Google Authenticator",
    "sync.android_google.steps": (
        "Open op uw telefoon Instellingen > Systeem > Datum en tijd.|"
        "Zet 'Tijd automatisch instellen' en 'Tijdzone automatisch instellen' aan.|"
        "Open Google Authenticator, tik op het menu (drie puntjes) > Instellingen > "
        "Tijdcorrectie voor codes > Nu synchroniseren (als uw versie die optie heeft).|"
        "Voer de nieuwe code in."
    ),
    "sync.android_microsoft.heading": "Android met Microsoft Authenticator",
    "sync.android_microsoft.steps": (
        "Open op uw telefoon Instellingen > Systeem > Datum en tijd.|"
        "Zet 'Tijd automatisch instellen' en 'Tijdzone automatisch instellen' aan.|"
        "Sluit Microsoft Authenticator helemaal af en open de app opnieuw.|"
        "Voer de nieuwe code in."
    ),
    "sync.ios.heading": "iPhone (iOS), met Microsoft of Google Authenticator",
    "sync.ios.steps": (
        "Open Instellingen > Algemeen > Datum en tijd.|"
        "Zet 'Automatisch instellen' aan.|"
        "Sluit de authenticator app helemaal af en open de app opnieuw.|"
        "Voer de nieuwe code in."
    ),
}

EN: dict[str, str] = {
    "product": "Nextens",
    "title": "Two-step verification",
    "step_of": "Step {step} of {total}",
    "next": "Next",
    "back": "Back",
    "submit_code": "Verify",
    "to_login": "Go to login",
    "help_sync_link": "Codes not accepted? Set your phone's clock right.",
    "enroll.intro": (
        "Your office has switched on two-step verification. After you log in with your "
        "username and password, Nextens will also ask for a 6-digit code from an app on "
        "your phone."
    ),
    "enroll.install.heading": "Install the app",
    "enroll.install.body": (
        "Install Microsoft Authenticator or Google Authenticator on your phone. Both are "
        "free in the App Store (iPhone) and on Google Play (Android)."
    ),
    "enroll.scan.heading": "Scan the QR code",
    "enroll.scan.body": (
        "Open the app, choose 'Add account' (Microsoft Authenticator: 'Other account') and "
        "scan this QR code with your phone's camera."
    ),
    "enroll.scan.qr_label": "QR code for your authenticator app",
    "enroll.scan.manual": "Scanning does not work? Type this key into the app instead:",
    "enroll.code.heading": "Enter the code",
    "enroll.code.body": (
        "Enter the 6-digit code the app shows now. The app makes a new code every 30 seconds."
    ),
    "enroll.finish.heading": "Note your reset code and activate",
    "enroll.finish.body": (
        "This is your personal reset code. If you lose your phone, this code lets you set "
        "up two-step verification again yourself."
    ),
    "enroll.finish.advice": (
        "Keep the reset code somewhere safe, not on your phone. You can see it again later "
        "after entering your password."
    ),
    "enroll.finish.button": "Activate",
    "enroll.expired": "This step has expired. Please start the set-up again.",
    "verify.heading": "Enter your verification code",
    "verify.body": "Open the authenticator app on your phone and enter the 6-digit code.",
    "verify.lost": "Lost your two-step verification code?",
    "field.code": "Verification code",
    "field.reset_code": "Reset code",
    "field.password": "Password",
    "recover.heading": "Lost your two-step verification code?",
    "recover.body": (
        "Enter your personal reset code. You will then set up two-step verification again "
        "with a new QR code; the old entry in the app stops working."
    ),
    "recover.button": "Set up again",
    "recover.back": "Back to the code",
    "error.code_missing": "Please enter the verification code.",
    "error.code_malformed": "A verification code has 6 digits.",
    "error.code_wrong": "This code is not right. Try the code the app shows now.",
    "error.code_replayed": "This code has been used already. Wait for the next code in the app.",
    "error.code_drift": (
        "This code belongs to another time: your phone's clock seems to be off. Set the "
        "clock right and try again."
    ),
    "error.reset_code_missing": "Please enter your reset code.",
    "error.reset_code_malformed": "A reset code has 20 letters and digits.",
    "error.reset_code_wrong": "This reset code is not right.",
    "error.locked": "Too many wrong attempts. Please try again in {seconds} seconds.",
    "error.csrf": "The form has expired or did not come from this page. Please try again.",
    "error.form_unreadable": (
        "The form could not be read: a field is too long or missing. Please try again."
    ),
    "page.403.title": "No access",
    "page.403.body": "You do not have the rights for this page.",
    "page.404.title": "Not found",
    "page.404.body": "This page does not exist.",
    "page.413.title": "Too much data",
    "page.413.body": "The form holds more data than allowed.",
    "page.429.title": "Too many attempts",
    "page.500.title": "Something went wrong",
    "page.500.body": "Something went wrong on our side. Please try again later.",
    "page.503.title": "Temporarily unavailable",
    "page.503.body": (
        "Two-step verification cannot be reached right now. For your safety you can go on "
        "using Nextens once it works again. Please try again in a minute."
    ),
    "page.unknown_user.body": "Your session does not belong to a known user. Please log in again.",
    "office.heading": "Two-step verification",
    "office.breadcrumb": "Settings > User management > Two-step verification",
    "office.active": (
        "Two-step verification is currently switched on for your office. At login Nextens "
        "asks for a verification code from the app on the phone, besides username and "
        "password."
    ),
    "office.inactive": (
        "Two-step verification is currently switched off for your office. At login only "
        "username and password are checked."
    ),
    "office.linked_warning": (
        "Please note: your office is linked to other offices in an office group. Switching "
        "two-step verification on or off applies to every linked office: {offices}."
    ),
    "office.activate_button": "Switch on two-step verification",
    "office.view_reset_code": "View reset code",
    "office.deactivate_button": "Deactivate",
    "office.users_link": "Users and their two-step verification",
    "office.events_heading": "Recent events",
    "office.events_empty": "No events yet.",
    "office.activated_done": "Two-step verification is switched on.",
    "office.deactivated_done": "Two-step verification is switched off.",
    "office.back": "Back to two-step verification",
    "col.when": "When",
    "col.event": "Event",
    "col.user": "User",
    "col.actor": "By",
    "col.address": "Address",
    "col.name": "Name",
    "col.status": "Two-step verification",
    "col.since": "Set up since",
    "col.last_verified": "Last verified",
    "status.enrolled": "Set up",
    "status.not_enrolled": "Not set up",
    "event.enrollment_started": "Set-up started",
    "event.enrolled": "Set up",
    "event.verified": "Code accepted",
    "event.code_failed": "Wrong code",
    "event.reset_code_failed": "Wrong reset code",
    "event.password_failed": "Wrong password",
    "event.locked_out": "Locked out after too many attempts",
    "event.recovered": "Set up again with the reset code",
    "event.reset_by_admin": "Reset by an administrator",
    "event.reset_code_viewed": "Reset code viewed",
    "event.activated": "Switched on",
    "event.deactivated": "Switched off",
    "activate.heading": "Switch on two-step verification",
    "activate.password.heading": "Confirm with your password",
    "activate.password.body": "Enter your Nextens password to confirm switching it on.",
    "activate.finish.note": (
        "Only after clicking 'Activate' is two-step verification switched on for your office "
        "and every linked office. Every user then sets it up on their own phone at login."
    ),
    "activate.already_active": "Two-step verification is already switched on for your office.",
    "password.button": "Confirm",
    "reset_code.heading": "Your reset code",
    "reset_code.body": "Enter your password to see your personal reset code.",
    "reset_code.shown": (
        "This is your personal reset code. Keep it somewhere safe, not on your phone."
    ),
    "reset_code.none": "You have not set up two-step verification yet.",
    "deactivate.heading": "Switch off two-step verification",
    "deactivate.body": (
        "After switching it off, only username and password are checked at login. Every "
        "user's set-up is removed: when it is switched on again, everyone sets up the app anew."
    ),
    "deactivate.confirm": "Enter your password and click 'Deactivate' to confirm.",
    "users.heading": "Users of {office}",
    "user.heading": "User {user}",
    "user.reset_button": "Reset two-step verification",
    "user.reset_explain": (
        "Resetting removes this user's set-up. At their next login the user sets up two-step "
        "verification again."
    ),
    "user.reset_confirm": (
        "Are you sure you want to reset the two-step verification of {user}? {user} will have "
        "to set it up again."
    ),
    "user.reset_yes": "Reset",
    "user.reset_cancel": "Cancel",
    "user.reset_done": "The two-step verification of {user} has been reset.",
    "user.nothing_to_reset": "This user has not set up two-step verification.",
    "user.no_self_reset": (
        "You do not reset your own two-step verification here: at login, use your personal "
        "reset code ('Lost your two-step verification code?')."
    ),
    "error.password_missing": "Please enter your password.",
    "error.password_wrong": "This password is not right.",
    "sync.heading": "Setting your phone's clock right",
    "sync.intro": (
        "The app's codes are based on the time. When your phone's clock runs fast or slow, "
        "the codes are not accepted. This is how to set the clock right:"
    ),
    "sync.android_google.heading": "Android with Google Authenticator",
    "sync.android_google.steps": (
        "On your phone, open Settings > System > Date & time.|"
        "Switch on 'Set time automatically' and 'Set time zone automatically'.|"
        "Open Google Authenticator, tap the menu (three dots) > Settings > Time correction "
        "for codes > Sync now (if your version has that option).|"
        "Enter the new code."
    ),
    "sync.android_microsoft.heading": "Android with Microsoft Authenticator",
    "sync.android_microsoft.steps": (
        "On your phone, open Settings > System > Date & time.|"
        "Switch on 'Set time automatically' and 'Set time zone automatically'.|"
        "Close Microsoft Authenticator completely and open it again.|"
        "Enter the new code."
    ),
    "sync.ios.heading": "iPhone (iOS), with Microsoft or Google Authenticator",
    "sync.ios.steps": (
        "Open Settings > General > Date & Time.|"
        "Switch on 'Set Automatically'.|"
        "Close the authenticator app completely and open it again.|"
        "Enter the new code."
    ),
}

MESSAGES: dict[str, dict[str, str]] = {"nl": NL, "en": EN}
