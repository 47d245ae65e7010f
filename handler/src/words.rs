//! The handler's own words, in both languages: its error pages and the frame of its emails.
//! Form-specific text (labels, messages, next steps) comes from the form's definition.

use model::Localized;

type Words = Localized<&'static str>;

/// The support line, on the confirmation page and in the acknowledgement: `{phone}` is filled in.
pub const SUPPORT: Words = Localized {
    en: "If you need to talk to someone now, call the SMSRC 24/7 line at {phone}.",
    fr: "Si vous avez besoin de parler à quelqu’un maintenant, appelez la ligne 24 heures sur 24, 7 jours sur 7 du CSRIS au {phone}.",
};

/// In the acknowledgement, for someone who receives it by mistake.
pub const NOT_YOU: Words = Localized {
    en: "If you did not send us this request, you can ignore this email.",
    fr: "Si vous ne nous avez pas envoyé cette demande, vous pouvez ignorer ce courriel.",
};

/// In the acknowledgement: how to reach the program (`{email}` is filled in).
pub const REPLY: Words = Localized {
    en: "To reach the Peer Support Program, reply to this email or write to {email}.",
    fr: "Pour joindre le Programme de soutien par les pairs, répondez à ce courriel ou écrivez à {email}.",
};

/// An error page's title and text: the request cannot be processed (tampered or outdated).
pub const BAD_REQUEST: (Words, Words) = (
    Localized {
        en: "This form could not be sent",
        fr: "Ce formulaire n’a pas pu être envoyé",
    },
    Localized {
        en: "The form may have changed since you opened the page. Go back, reload the page and try again. Nothing was saved.",
        fr: "Le formulaire a peut-être changé depuis que vous avez ouvert la page. Revenez en arrière, rechargez la page et réessayez. Rien n’a été enregistré.",
    },
);

/// The page when the post came from another site.
pub const FORBIDDEN: (Words, Words) = (
    Localized {
        en: "This form could not be sent",
        fr: "Ce formulaire n’a pas pu être envoyé",
    },
    Localized {
        en: "Forms can only be sent from this website’s own pages. Nothing was saved.",
        fr: "Les formulaires ne peuvent être envoyés qu’à partir des pages de ce site Web. Rien n’a été enregistré.",
    },
);

/// The page when the body is larger than any answer to the form can be.
pub const TOO_LARGE: (Words, Words) = (
    Localized {
        en: "Your answers are too long",
        fr: "Vos réponses sont trop longues",
    },
    Localized {
        en: "Go back, shorten your answers and try again. Nothing was saved.",
        fr: "Revenez en arrière, raccourcissez vos réponses et réessayez. Rien n’a été enregistré.",
    },
);

/// The page when nothing could be saved (the store is unavailable).
pub const UNAVAILABLE: (Words, Words) = (
    Localized {
        en: "Sorry, there is a problem with this service",
        fr: "Désolé, ce service éprouve un problème",
    },
    Localized {
        en: "Your answers were not saved. Try again in a few minutes. If you need to talk to someone now, call the SMSRC 24/7 line.",
        fr: "Vos réponses n’ont pas été enregistrées. Réessayez dans quelques minutes. Si vous avez besoin de parler à quelqu’un maintenant, appelez la ligne 24 heures sur 24, 7 jours sur 7 du CSRIS.",
    },
);

/// The page when the store could not take a submission (DynamoDB or the disk unreachable), in
/// the person's language: `{phone}` is the program's number from site.toml.
pub const NOT_RECEIVED: (Words, Words) = (
    Localized {
        en: "We could not receive your form",
        fr: "Nous n’avons pas pu recevoir votre formulaire",
    },
    Localized {
        en: "Nothing was saved. Please try again in a few minutes, or call {phone}.",
        fr: "Rien n’a été enregistré. Veuillez réessayer dans quelques minutes ou appeler le {phone}.",
    },
);

/// The page for a confirmation address the handler did not sign (made up or changed): it
/// must never confirm a submission that was not made.
pub const BAD_LINK: (Words, Words) = (
    Localized {
        en: "This confirmation link is not valid",
        fr: "Ce lien de confirmation n’est pas valide",
    },
    Localized {
        en: "This page cannot confirm anything: the link was changed or did not come from this website. If you sent a form, your reference number is in the acknowledgement email, if you chose to receive one. To check, contact the program.",
        fr: "Cette page ne peut rien confirmer : le lien a été modifié ou ne provient pas de ce site Web. Si vous avez envoyé un formulaire, votre numéro de référence figure dans l’accusé de réception par courriel, si vous avez choisi d’en recevoir un. Pour vérifier, communiquez avec le programme.",
    },
);

/// The page for an unknown form or a malformed confirmation link.
pub const NOT_FOUND: (Words, Words) = (
    Localized {
        en: "Page not found",
        fr: "Page introuvable",
    },
    Localized {
        en: "Check the address, or go back to the previous page.",
        fr: "Vérifiez l’adresse ou revenez à la page précédente.",
    },
);

/// A status as coordinators read it in a notice.
pub fn status_label(status: crate::store::Status) -> Words {
    use crate::store::Status::*;
    match status {
        Received => Localized {
            en: "Received",
            fr: "Reçue",
        },
        Registered => Localized {
            en: "Registered (a place is reserved)",
            fr: "Inscription (une place est réservée)",
        },
        Waitlisted => Localized {
            en: "Waiting list",
            fr: "Liste d’attente",
        },
        Interest => Localized {
            en: "Interest (no dates yet)",
            fr: "Intérêt (aucune date pour l’instant)",
        },
    }
}

/// The coordinators' notice heading: `{form}` is the form's title.
pub const NOTICE_HEADING: Words = Localized {
    en: "New submission: {form}",
    fr: "Nouvelle soumission\u{a0}: {form}",
};

/// "Reference number: K7MW4XTA".
pub const REFERENCE: Words = Localized {
    en: "Reference number: {reference}",
    fr: "Numéro de référence\u{a0}: {reference}",
};

/// "Received: Monday, June 2, 2025, 9:15 am ET".
pub const RECEIVED: Words = Localized {
    en: "Received: {when}",
    fr: "Reçue\u{a0}: {when}",
};

/// "Status: Waiting list".
pub const STATUS: Words = Localized {
    en: "Status: {status}",
    fr: "Statut\u{a0}: {status}",
};

/// The note closing a notice that carries personal information.
pub const NOTICE_PERSONAL: Words = Localized {
    en: "This email contains personal information. Do not forward it. Reply to the person within 1 to 2 business days, in the way they chose.",
    fr: "Ce courriel contient des renseignements personnels. Ne le transférez pas. Répondez à la personne dans un délai de 1 à 2 jours ouvrables, de la façon qu’elle a choisie.",
};

/// The note closing an anonymous form's notice, which leaves out the free text.
pub const NOTICE_ANONYMOUS: Words = Localized {
    en: "This form is anonymous. Its written comments are not sent by email: read them in the export (handler export --form {form}).",
    fr: "Ce formulaire est anonyme. Ses commentaires écrits ne sont pas envoyés par courriel : consultez-les dans l’exportation (handler export --form {form}).",
};
