"""The staff web UI's message catalogue, in Kyrgyz, Russian and English.

Every sentence a staff page shows comes from here, so a translator edits one
file and a test can check that no language is missing a message. Problems
(``server.problems``) keep their English wording for the API; the pages show
the Kyrgyz or Russian sentence below for the codes a person meets there, and
the English original when it carries specifics (a field, pyxform's hint).
"""
from __future__ import annotations

from string import Formatter

LANGUAGES = ("ky", "ru", "en")
DEFAULT_LANGUAGE = "ru"
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}

# key: (Kyrgyz, Russian, English)
MESSAGES: dict[str, tuple[str, str, str]] = {
    "app.name": ("Сапат", "Сапат", "Sapat"),
    "app.tagline": ("Кесиптик билим берүүнүн сапатын мониторингдөө",
                    "Мониторинг качества профессионального образования",
                    "Monitoring the quality of vocational education"),
    "nav.projects": ("Долбоорлор", "Проекты", "Projects"),
    "nav.logout": ("Чыгуу", "Выйти", "Sign out"),
    "nav.language": ("Тил", "Язык", "Language"),
    "nav.signed_in_as": ("Кирген колдонуучу: {name} ({role})", "Вы вошли как {name} ({role})",
                         "Signed in as {name} ({role})"),
    "role.administrator": ("Администратор", "Администратор", "Administrator"),
    "role.data_manager": ("Маалымат менеджери", "Менеджер данных", "Data manager"),
    "role.verifier": ("Текшерүүчү", "Верификатор", "Verifier"),
    "role.analyst": ("Аналитик", "Аналитик", "Analyst"),
    "role.department_viewer": ("Департамент (көрүү гана)", "Департамент (только просмотр)",
                               "Department (view only)"),
    "common.yes": ("Ооба", "Да", "Yes"),
    "common.no": ("Жок", "Нет", "No"),
    "common.none": ("—", "—", "—"),
    # Sign-in
    "login.title": ("Системага кирүү", "Вход в систему", "Sign in"),
    "login.email": ("Электрондук почта", "Электронная почта", "Email"),
    "login.password": ("Сырсөз", "Пароль", "Password"),
    "login.submit": ("Кирүү", "Войти", "Sign in"),
    "login.failed": ("Электрондук почта же сырсөз туура эмес.", "Неверная электронная почта или пароль.",
                     "The email or password is not correct."),
    "notice.signed_out": ("Сиз системадан чыктыңыз.", "Вы вышли из системы.", "You have signed out."),
    # Projects
    "projects.title": ("Долбоорлор", "Проекты", "Projects"),
    "projects.intro": ("Ар бир долбоор — мониторингдин бир цикли.", "Каждый проект — один цикл мониторинга.",
                       "Each project is one monitoring cycle."),
    "projects.none": ("Азырынча долбоорлор жок.", "Проектов пока нет.", "There are no projects yet."),
    "projects.create": ("Жаңы долбоор", "Новый проект", "New project"),
    "projects.create_submit": ("Долбоор түзүү", "Создать проект", "Create project"),
    "project.name": ("Аталышы", "Название", "Name"),
    "project.year": ("Жылы", "Год", "Year"),
    "project.stage": ("Этабы", "Этап", "Stage"),
    "project.status": ("Абалы", "Статус", "Status"),
    "stage.pilot": ("Пилоттук", "Пилотный", "Pilot"),
    "stage.main": ("Негизги", "Основной", "Main"),
    "project_status.open": ("Ачык", "Открыт", "Open"),
    "project_status.archived": ("Архивде", "В архиве", "Archived"),
    "notice.project_created": ("Долбоор түзүлдү.", "Проект создан.", "The project was created."),
    # Forms of a project
    "forms.title": ("Формалар", "Формы", "Forms"),
    "forms.none": ("Бул долбоордо азырынча формалар жок.", "В этом проекте пока нет форм.",
                   "This project has no forms yet."),
    "form.id": ("Форманын ID", "ID формы", "Form ID"),
    "form.title": ("Аталышы", "Название", "Title"),
    "form.published_version": ("Жарыяланган версия", "Опубликованная версия", "Published version"),
    "form.not_published": ("жарыялана элек", "не опубликована", "not published"),
    "form.state": ("Абалы", "Состояние", "State"),
    "form.submissions": ("Жөнөтүүлөр", "Отправки", "Submissions"),
    "form.draft_pending": ("Каралама барбы?", "Есть черновик?", "Draft pending?"),
    "form_state.open": ("Ачык", "Открыта", "Open"),
    "form_state.closing": ("Жабылууда", "Закрывается", "Closing"),
    "form_state.closed": ("Жабык", "Закрыта", "Closed"),
    "form_state.help": ("«Жабылууда»: жаңы түзмөктөр форманы көрбөйт, бирок толтурулгандар кабыл алынат. "
                        "«Жабык»: жөнөтүүлөр кабыл алынбайт.",
                        "«Закрывается»: новые устройства форму не видят, но заполненные формы принимаются. "
                        "«Закрыта»: отправки не принимаются.",
                        "Closing: new devices no longer see the form, but filled-in forms are still accepted. "
                        "Closed: no submissions are accepted."),
    "state.save": ("Абалын сактоо", "Сохранить состояние", "Save state"),
    "notice.state_changed": ("Форманын абалы өзгөртүлдү.", "Состояние формы изменено.",
                             "The form's state was changed."),
    "upload.title": ("Форманы жүктөө", "Загрузка формы", "Upload a form"),
    "upload.help": ("XLSForm (.xlsx, .xls) же XForm (.xml) файлын тандаңыз. Жүктөлгөн форма адегенде каралама "
                    "болот: аны текшерип, анан жарыялаңыз.",
                    "Выберите файл XLSForm (.xlsx, .xls) или XForm (.xml). Загруженная форма сначала становится "
                    "черновиком: проверьте её, затем опубликуйте.",
                    "Choose an XLSForm (.xlsx, .xls) or XForm (.xml) file. An uploaded form becomes a draft "
                    "first: check it, then publish it."),
    "upload.file": ("Файл", "Файл", "File"),
    "upload.submit": ("Жүктөө", "Загрузить", "Upload"),
    "upload.errors": ("Формада каталар бар. Аларды оңдоп, файлды кайра жүктөңүз:",
                      "В форме есть ошибки. Исправьте их и загрузите файл снова:",
                      "The form has errors. Fix them and upload the file again:"),
    "upload.sheet": ("Барак", "Лист", "Sheet"),
    "upload.row": ("Сап", "Строка", "Row"),
    "notice.draft_uploaded": ("Каралама жүктөлдү. Аны текшерип, жарыялаңыз.",
                              "Черновик загружен. Проверьте его и опубликуйте.",
                              "The draft was uploaded. Check it, then publish it."),
    "drafts.title": ("Каралама формалар", "Черновики форм", "Form drafts"),
    "draft.version": ("Версиясы", "Версия", "Version"),
    "draft.media": ("Медиа файлдар", "Медиафайлы", "Media files"),
    "draft.media_missing": ("жүктөлө элек", "не загружен", "missing"),
    "draft.media_present": ("жүктөлдү", "загружен", "uploaded"),
    "draft.media_upload": ("Файлды жүктөө", "Загрузить файл", "Upload file"),
    "draft.missing_hint": ("Жарыялоодон мурун бардык медиа файлдарды жүктөңүз.",
                           "Перед публикацией загрузите все медиафайлы.",
                           "Upload every media file before publishing."),
    "draft.publish": ("Жарыялоо", "Опубликовать", "Publish"),
    "notice.media_uploaded": ("Медиа файл жүктөлдү.", "Медиафайл загружен.", "The media file was uploaded."),
    "notice.published": ("Форма жарыяланды.", "Форма опубликована.", "The form was published."),
    # App users
    "app_users.title": ("Тиркеменин колдонуучулары (планшеттер)", "Пользователи приложения (планшеты)",
                        "App users (tablets)"),
    "app_users.intro": ("ODK Collect ушул колдонуучулардын атынан формаларды алат жана маалыматтарды жөнөтөт.",
                        "ODK Collect получает формы и отправляет данные от имени этих пользователей.",
                        "ODK Collect downloads forms and sends data as these users."),
    "app_users.none": ("Азырынча колдонуучулар жок.", "Пользователей пока нет.", "There are no app users yet."),
    "app_user.name": ("Аты", "Имя", "Name"),
    "app_user.name_help": ("Мисалы, планшеттеги белги.", "Например, надпись на планшете.",
                           "For example, the label on the tablet."),
    "app_user.forms": ("Дайындалган формалар", "Назначенные формы", "Assigned forms"),
    "app_user.created": ("Түзүлгөн", "Создан", "Created"),
    "app_user.status": ("Абалы", "Статус", "Status"),
    "app_user.active": ("Активдүү", "Активен", "Active"),
    "app_user.revoked": ("Жокко чыгарылган", "Отозван", "Revoked"),
    "app_user.create": ("Жаңы колдонуучу", "Новый пользователь", "New app user"),
    "app_user.create_submit": ("Колдонуучу түзүү", "Создать пользователя", "Create app user"),
    "app_user.no_forms": ("Азырынча дайындай турган формалар жок.", "Пока нет форм для назначения.",
                          "There are no forms to assign yet."),
    "app_user.show_qr": ("QR-кодду көрсөтүү", "Показать QR-код", "Show QR code"),
    "app_user.revoke": ("Жокко чыгаруу…", "Отозвать…", "Revoke…"),
    "app_user.revoke_warning": ("Бул колдонуучунун кирүүсү дароо токтойт жана кайра калыбына келбейт.",
                                "Доступ этого пользователя прекратится сразу и не может быть восстановлен.",
                                "This user's access stops at once and cannot be restored."),
    "app_user.revoke_confirm": ("Ооба, жокко чыгаруу", "Да, отозвать", "Yes, revoke"),
    "notice.app_user_revoked": ("Колдонуучу жокко чыгарылды.", "Пользователь отозван.",
                                "The app user was revoked."),
    "notice.app_user_created": ("Колдонуучу түзүлдү. Бул QR-кодду ODK Collect менен сканерлеңиз.",
                                "Пользователь создан. Отсканируйте этот QR-код в ODK Collect.",
                                "The app user was created. Scan this QR code with ODK Collect."),
    "qr.title": ("ODK Collect үчүн QR-код", "QR-код для ODK Collect", "QR code for ODK Collect"),
    "qr.help": ("ODK Collectте долбоор кошуп, «QR-код менен жөндөө» тандап, бул кодду сканерлеңиз.",
                "В ODK Collect добавьте проект, выберите настройку по QR-коду и отсканируйте этот код.",
                "In ODK Collect, add a project, choose to configure it with a QR code and scan this code."),
    "qr.alt": ("ODK Collect жөндөөлөрү жазылган QR-код", "QR-код с настройками ODK Collect",
               "QR code with the ODK Collect settings"),
    "qr.server_url": ("Сервердин дареги (кол менен жөндөө үчүн)", "Адрес сервера (для ручной настройки)",
                      "Server URL (for manual setup)"),
    "qr.secret": ("Бул код жана дарек — купуя ачкыч. Аларды бөтөн адамдарга көрсөтпөңүз.",
                  "Этот код и адрес — секретный ключ. Не показывайте их посторонним.",
                  "This code and address are a secret key. Do not show them to anyone else."),
    "qr.revoked": ("Бул колдонуучу жокко чыгарылган, ошондуктан QR-коду жок.",
                   "Этот пользователь отозван, поэтому QR-кода нет.",
                   "This app user has been revoked, so there is no QR code."),
    # One form: versions and submissions
    "versions.title": ("Жарыяланган версиялар", "Опубликованные версии", "Published versions"),
    "versions.none": ("Форма азырынча жарыялана элек.", "Форма ещё не опубликована.",
                      "The form has not been published yet."),
    "version.version": ("Версиясы", "Версия", "Version"),
    "version.published_at": ("Жарыяланган убактысы", "Дата публикации", "Published"),
    "version.current": ("учурдагы", "текущая", "current"),
    "version.empty": ("(версиясыз)", "(без версии)", "(no version)"),
    "submissions.title": ("Жөнөтүүлөр", "Отправки", "Submissions"),
    "submissions.none": ("Азырынча жөнөтүүлөр жок.", "Отправок пока нет.", "There are no submissions yet."),
    "submissions.total": ("Бардыгы: {count}", "Всего: {count}", "Total: {count}"),
    "submission.instance_id": ("instanceID", "instanceID", "instanceID"),
    "submission.received_at": ("Кабыл алынган убакыт", "Получено", "Received"),
    "submission.submitter": ("Жөнөткөн", "Отправитель", "Submitted by"),
    "submission.review_state": ("Текшерүү абалы", "Статус проверки", "Review state"),
    "submission.attachments": ("Файлдар (келди / күтүлөт)", "Файлы (получено / ожидается)",
                               "Files (received / expected)"),
    "review.received": ("Кабыл алынды", "Получено", "Received"),
    "review.hasIssues": ("Маселелери бар", "Есть замечания", "Has issues"),
    "review.edited": ("Оңдолгон", "Изменено", "Edited"),
    "review.approved": ("Бекитилди", "Одобрено", "Approved"),
    "review.rejected": ("Четке кагылды", "Отклонено", "Rejected"),
    "pager.previous": ("← Мурунку", "← Предыдущая", "← Previous"),
    "pager.next": ("Кийинки →", "Следующая →", "Next →"),
    "pager.page_of": ("{page}-барак, бардыгы {pages}", "Страница {page} из {pages}", "Page {page} of {pages}"),
    # One submission
    "submission.title": ("Жөнөтүү {instance_id}", "Отправка {instance_id}", "Submission {instance_id}"),
    "submission.fields": ("Маалыматтар", "Данные", "Data"),
    "submission.showing_old": ("Бул мурунку версия. Учурдагы версияны көрүү", "Это прежняя версия. Открыть текущую",
                               "This is an earlier version. Show the current one"),
    "field.path": ("Талаа", "Поле", "Field"),
    "field.value": ("Маани", "Значение", "Value"),
    "personal.hidden": ("Жеке маалыматтар (коддор, эркин жооптор, купуя суроолор) жана файлдар жашырылган.",
                        "Персональные данные (коды, свободные ответы, чувствительные вопросы) и файлы скрыты.",
                        "Personal data (codes, free-text and sensitive answers) and files are hidden."),
    "personal.purpose": ("Жеке маалыматтарды эмне үчүн көрөсүз? (журналга жазылат)",
                         "Для чего вам нужны персональные данные? (записывается в журнал)",
                         "Why do you need the personal data? (recorded in the audit log)"),
    "personal.show": ("Жеке маалыматтарды көрсөтүү", "Показать персональные данные", "Show personal data"),
    "personal.shown": ("Жеке маалыматтар көрсөтүлдү. Максат: {purpose}", "Персональные данные показаны. Цель: {purpose}",
                       "Personal data shown. Purpose: {purpose}"),
    "personal.no_right": ("Сиздин ролуңуз жеке маалыматтарды көрүүгө укук бербейт.",
                          "Ваша роль не даёт права видеть персональные данные.",
                          "Your role may not see personal data."),
    "submission.versions": ("Версиялар (оңдоолор)", "Версии (правки)", "Versions (edits)"),
    "attachments.title": ("Тиркелген файлдар", "Вложения", "Attachments"),
    "attachments.none": ("Тиркелген файлдар жок.", "Вложений нет.", "There are no attachments."),
    "attachment.missing": ("азырынча келе элек", "ещё не получен", "not received yet"),
    "attachment.download": ("Жүктөп алуу", "Скачать", "Download"),
    "submitter.app_user": ("{name} (планшет)", "{name} (планшет)", "{name} (tablet)"),
    "submitter.staff": ("{name} (кызматкер)", "{name} (сотрудник)", "{name} (staff)"),
    # Verification: filters, bulk review, flags, comments, events (§15.3, §20.1.4)
    "filters.title": ("Чыпкалар", "Фильтры", "Filters"),
    "filter.state": ("Текшерүү абалы", "Статус проверки", "Review state"),
    "filter.flagged": ("Сапат белгилери", "Отметки качества", "Quality flags"),
    "filter.any": ("баары", "все", "any"),
    "filter.flagged_yes": ("белгилери бар", "есть отметки", "flagged"),
    "filter.flagged_no": ("белгилери жок", "без отметок", "not flagged"),
    "filter.school": ("Окуу жайдын коду", "Код учебного заведения", "School code"),
    "filter.field": ("Катмар (ачык талаа)", "Страта (открытое поле)", "Stratum (clear field)"),
    "filter.value": ("Мааниси", "Значение", "Value"),
    "filter.since": ("Кабыл алынган, баштап", "Получено с", "Received from"),
    "filter.until": ("чейин", "по", "until"),
    "filter.apply": ("Колдонуу", "Применить", "Apply"),
    "filter.clear": ("Чыпкаларды тазалоо", "Сбросить фильтры", "Clear filters"),
    "submissions.matching": ("Чыпкага туура келет: {count}", "Подходит под фильтр: {count}",
                             "Matching the filters: {count}"),
    "submission.flags": ("Сапат белгилери", "Отметки качества", "Quality flags"),
    "submission.select": ("Тандоо", "Выбрать", "Select"),
    "flag.missing_required": ("Милдеттүү жооптор жок", "Нет обязательных ответов", "Missing required answers"),
    "flag.out_of_range": ("Чектен тышкары сан", "Число вне допустимых границ", "Number out of range"),
    "flag.too_fast": ("Өтө тез толтурулган", "Заполнено слишком быстро", "Filled in too fast"),
    "flag.straight_lining": ("Бардык жооптор бирдей", "Все ответы одинаковые", "Straight-lining"),
    "bulk.title": ("Тандалгандарды текшерүү", "Проверка выбранных", "Review the selected"),
    "bulk.state": ("Жаңы абалы", "Новый статус", "New state"),
    "bulk.apply": ("Тандалгандарга колдонуу", "Применить к выбранным", "Apply to the selected"),
    "bulk.flagged": ("Белгиси барларды «Маселелери бар» деп белгилөө",
                     "Отметить все отправки с отметками качества как «Есть замечания»",
                     "Mark every flagged submission as “Has issues”"),
    "bulk.flagged_help": ("Абалы «Кабыл алынды» же «Оңдолгон» болгон, сапат белгиси бар бардык жөнөтүүлөр.",
                          "Все отправки со статусом «Получено» или «Изменено», у которых есть отметки качества.",
                          "Every submission in state Received or Edited whose current version has quality flags."),
    "notice.reviewed": ("Текшерүү абалы сакталды.", "Статус проверки сохранён.", "The review state was saved."),
    "notice.flagged_marked": ("Белгиси бар жөнөтүүлөр «Маселелери бар» деп белгиленди.",
                              "Отправки с отметками качества помечены как «Есть замечания».",
                              "The flagged submissions were marked as having issues."),
    "notice.comment_added": ("Комментарий кошулду.", "Комментарий добавлен.", "The comment was added."),
    "flags.title": ("Сапатты текшерүү", "Проверка качества", "Quality checks"),
    "flags.none": ("Автоматтык текшерүү эч нерсе тапкан жок.", "Автоматическая проверка ничего не нашла.",
                   "The automatic checks found nothing."),
    "flags.help": ("Бул белгилер жөнөтүү келгенде эсептелет; алар текшерүүчүгө сунуш гана.",
                   "Отметки вычисляются при получении отправки; это лишь подсказка для верификатора.",
                   "Flags are computed when a submission arrives; they are hints for the verifier."),
    "review.title": ("Текшерүү", "Проверка", "Review"),
    "review.comment_optional": ("Комментарий (милдеттүү эмес)", "Комментарий (необязательно)",
                                "Comment (optional)"),
    "review.save": ("Абалын сактоо", "Сохранить статус", "Save state"),
    "comments.title": ("Комментарийлер", "Комментарии", "Comments"),
    "comments.none": ("Азырынча комментарийлер жок.", "Комментариев пока нет.", "There are no comments yet."),
    "comment.body": ("Комментарий", "Комментарий", "Comment"),
    "comment.add": ("Комментарий кошуу", "Добавить комментарий", "Add comment"),
    "comment.by": ("{name}, {when}", "{name}, {when}", "{name}, {when}"),
    "events.title": ("Окуялардын тарыхы", "История событий", "Event history"),
    "events.none": ("Азырынча окуялар жок.", "Событий пока нет.", "Nothing has happened yet."),
    "event.review": ("Абалы: {old} → {new}", "Статус: {old} → {new}", "State: {old} → {new}"),
    "event.comment": ("Комментарий кошулду", "Добавлен комментарий", "Comment added"),
    "event.other": ("Окуя: {action}", "Событие: {action}", "Event: {action}"),
    "history.title": ("Версиялардын тарыхы", "История версий", "Version history"),
    "history.flags": ("Белгилер", "Отметки", "Flags"),
    # Errors
    "error.title": ("Ката", "Ошибка", "Error"),
    "error.code": ("Катанын коду: {code}", "Код ошибки: {code}", "Error code: {code}"),
    "error.server_said": ("Сервердин билдирүүсү (англисче):", "Сообщение сервера (на английском):",
                          "Server message:"),
    "error.home": ("Башкы бетке", "На главную", "Go to the start page"),
    # Sync with other servers
    "sync.title": ("Синхрондоштуруу", "Синхронизация", "Sync"),
    "sync.intro": ("Башка серверлер менен акыркы алмашуулар (sapat sync же график боюнча).",
                   "Последние обмены с другими серверами (sapat sync или по расписанию).",
                   "The latest exchanges with other servers (sapat sync or on a schedule)."),
    "sync.none": ("Азырынча синхрондоштуруу болгон жок.", "Синхронизаций пока не было.", "No sync has run yet."),
    "sync.started": ("Башталды", "Начало", "Started"),
    "sync.finished": ("Бүттү", "Окончание", "Finished"),
    "sync.direction": ("Багыт", "Направление", "Direction"),
    "sync.direction.pull": ("Алуу", "Получение", "Pull"),
    "sync.direction.push": ("Жөнөтүү", "Отправка", "Push"),
    "sync.remote": ("Сервер", "Сервер", "Server"),
    "sync.trigger": ("Ким баштады", "Запуск", "Started by"),
    "sync.trigger.cli": ("Буйрук сабы", "Командная строка", "Command line"),
    "sync.trigger.schedule": ("График", "Расписание", "Schedule"),
    "sync.status": ("Натыйжа", "Результат", "Result"),
    "sync.status.running": ("Жүрүп жатат", "Выполняется", "Running"),
    "sync.status.ok": ("Баары көчүрүлдү", "Всё скопировано", "All copied"),
    "sync.status.partial": ("Толук эмес", "Не полностью", "Partly copied"),
    "sync.status.failed": ("Байланыш үзүлдү", "Связь прервана", "Link failed"),
    "sync.submissions": ("Жаңы жооптор", "Новые ответы", "New submissions"),
    "sync.versions": ("Версиялар", "Версии", "Versions"),
    "sync.attachments": ("Файлдар", "Файлы", "Files"),
    "sync.not_copied": ("Көчүрүлгөн жок", "Не скопировано", "Not copied"),
    "sync.failures": ("Акыркы жолу эмне көчүрүлгөн жок", "Что не удалось скопировать в последний раз",
                      "What the latest run could not copy"),
    "project.sync_link": ("Синхрондоштуруу", "Синхронизация", "Sync"),
    "project.exports_link": ("Экспорт жана тапшыруу", "Экспорт и передача", "Exports and handover"),
    "exports.title": ("Маалыматтарды экспорттоо", "Экспорт данных", "Data exports"),
    "exports.intro": ("Анонимдештирилген топтомдор аналитиктер жана Департамент үчүн; жеке маалыматтары бар "
                      "топтом маалымат менеджерине гана, максаты көрсөтүлүп берилет. Ар бир жүктөп алуу катталат.",
                      "Обезличенные наборы — для аналитиков и Департамента; набор с персональными данными — только "
                      "менеджеру данных с указанием цели. Каждое скачивание записывается в журнал.",
                      "Anonymized datasets are for analysts and the Department; a dataset with personal data only "
                      "for a data manager who states a purpose. Every download is audited."),
    "exports.new": ("Жаңы экспорт", "Новый экспорт", "New export"),
    "exports.form": ("Форма", "Форма", "Form"),
    "exports.kind": ("Түрү", "Вид", "Kind"),
    "exports.kind.anonymized": ("Анонимдештирилген", "Обезличенный", "Anonymized"),
    "exports.kind.raw": ("Жеке маалыматтары менен (максаты менен)", "С персональными данными (с целью)",
                         "With personal data (with a purpose)"),
    "exports.formats": ("Форматтар", "Форматы", "Formats"),
    "exports.format.csv": ("CSV (UTF-8)", "CSV (UTF-8)", "CSV (UTF-8)"),
    "exports.format.xlsx": ("Excel (XLSX)", "Excel (XLSX)", "Excel (XLSX)"),
    "exports.format.sav": ("SPSS (.sav)", "SPSS (.sav)", "SPSS (.sav)"),
    "exports.language": ("Белгилердин тили", "Язык меток", "Language of labels"),
    "exports.purpose": ("Максаты (жеке маалыматтар үчүн)", "Цель (для персональных данных)",
                        "Purpose (for personal data)"),
    "exports.purpose_hint": ("Жеке маалыматтар үчүн жок дегенде 10 белги: эмне үчүн керек экенин жазыңыз.",
                             "Для персональных данных не меньше 10 знаков: напишите, зачем они нужны.",
                             "For personal data at least 10 characters: say why you need it."),
    "exports.start": ("Экспортту баштоо", "Начать экспорт", "Start the export"),
    "exports.no_forms": ("Жарыяланган формалар жок.", "Опубликованных форм нет.", "There are no published forms."),
    "exports.jobs": ("Акыркы экспорттор", "Последние экспорты", "Latest exports"),
    "exports.none": ("Азырынча экспорт болгон жок.", "Экспортов пока не было.", "No export has been made yet."),
    "exports.requested": ("Суралды", "Запрошен", "Requested"),
    "exports.status": ("Абалы", "Состояние", "Status"),
    "exports.status.queued": ("Кезекте", "В очереди", "Queued"),
    "exports.status.running": ("Жүрүп жатат", "Выполняется", "Running"),
    "exports.status.done": ("Даяр", "Готов", "Done"),
    "exports.status.failed": ("Ишке ашкан жок", "Не удался", "Failed"),
    "exports.status.interrupted": ("Үзгүлтүккө учурады", "Прерван", "Interrupted"),
    "exports.rows": ("Саптар", "Строк", "Rows"),
    "exports.k_reached": ("Жетилген k", "Достигнутое k", "k reached"),
    "exports.download": ("Жүктөп алуу", "Скачать", "Download"),
    "notice.export_started": ("Экспорт башталды; бул бет өзү жаңыланат.", "Экспорт начат; страница обновляется "
                              "сама.", "The export has started; this page refreshes itself."),
    "handovers.title": ("Департаментке тапшыруу пакеттери", "Пакеты передачи Департаменту",
                        "Department handover packages"),
    "handovers.intro": ("Пакет буйрук сабынан түзүлөт: sapat handover build --project P; текшерүү: "
                        "sapat handover verify ПАКЕТ.", "Пакет создаётся из командной строки: sapat handover "
                        "build --project P; проверка: sapat handover verify ПАКЕТ.",
                        "Packages are built on the command line: sapat handover build --project P; checked "
                        "with sapat handover verify PACKAGE."),
    "handovers.none": ("Азырынча пакет түзүлгөн жок.", "Пакетов пока нет.", "No package has been built yet."),
}

# Problem codes a person meets on the staff pages: (Kyrgyz, Russian). English pages show problems.py's sentence.
PROBLEMS: dict[str, tuple[str, str]] = {
    "400.7": ("Керектүү талаа толтурулган жок: {field}.", "Не заполнено обязательное поле: {field}."),
    "400.8": ("Күтүлбөгөн маани: {field}.", "Неожиданное значение: {field}."),
    "400.11": ("«{field}» талаасынын мааниси туура эмес.", "Недопустимое значение поля «{field}»."),
    "400.15": ("Форма туура эмес.", "Форма содержит ошибки."),
    "401.2": ("Адегенде системага кириңиз.", "Сначала войдите в систему."),
    "403.1": ("Бул аракетке укугуңуз жок.", "У вас нет прав на это действие."),
    "403.2": ("Форма эскирип калган же башка сайттан жөнөтүлгөн. Баракты жаңылап, кайра аракет кылыңыз.",
              "Форма устарела или отправлена не с этого сайта. Обновите страницу и попробуйте снова."),
    "404.1": ("Изделген барак же жазуу табылган жок.", "Запрошенная страница или запись не найдена."),
    "409.3": ("Мындай маани менен жазуу мурунтан эле бар: {values}.",
              "Запись с таким значением уже существует: {values}."),
    "409.6": ("Форманын бул версиясы мурун жарыяланган. settings барагындагы version маанисин өзгөртүп, "
              "файлды кайра жүктөңүз.",
              "Эта версия формы уже была опубликована. Измените значение version на листе settings и "
              "загрузите файл снова."),
    "409.15": ("Бул формада жарыялана турган каралама жок.", "У этой формы нет черновика для публикации."),
    "409.16": ("Форманы жарыялоодон мурун бул медиа файлдарды жүктөңүз: {missing}.",
               "Перед публикацией формы загрузите эти медиафайлы: {missing}."),
    "413.1": ("Файл өтө чоң.", "Файл слишком большой."),
    "429.1": ("Аракеттер өтө көп. {retryAfter} секунддан кийин кайра аракет кылыңыз.",
              "Слишком много попыток. Повторите через {retryAfter} с."),
    "500.1": ("Серверде күтүлбөгөн ката кетти. Бир аздан кийин кайра аракет кылыңыз.",
              "На сервере произошла непредвиденная ошибка. Попробуйте ещё раз немного позже."),
}
# Problems whose English sentence says something the translation cannot (a reason, pyxform's hint).
SHOW_ORIGINAL = {"400.8", "400.11", "400.15", "409.6"}
# Wire field names in problem details, shown with the label the form on the page uses.
FIELD_LABELS = {"name": "project.name", "year": "project.year", "stage": "project.stage",
                "status": "project.status", "state": "form.state", "displayName": "app_user.name",
                "forms": "app_user.forms", "file": "upload.file", "email": "login.email",
                "reviewState": "submission.review_state", "submissions": "submissions.title",
                "body": "comment.body", "flagged": "filter.flagged", "field": "filter.field",
                "since": "filter.since", "until": "filter.until"}


def normalise_language(code: str | None) -> str | None:
    """One of LANGUAGES, or None for anything else (so a bad ``?lang=`` is ignored)."""
    code = (code or "").strip().lower()
    return code if code in LANGUAGES else None


def translate(key: str, lang: str, **values) -> str:
    """The message ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``.

    A key missing from the catalogue is a programming error and raises KeyError,
    so tests catch it rather than a page showing a key.
    """
    text = MESSAGES[key][LANGUAGES.index(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)]
    return _fill(text, values) if values else text


def problem_text(problem, lang: str) -> tuple[str, str | None]:
    """The sentence to show for a Problem, and the English original when it adds specifics."""
    known = PROBLEMS.get(problem.code)
    if lang == "en" or known is None:
        return problem.message, None
    values = {}
    for name, value in problem.details.items():
        if isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        label = FIELD_LABELS.get(str(value)) if name in ("field", "fields") else None
        values[name] = translate(label, lang) if label else str(value)
    text = _fill(known[LANGUAGES.index(lang)], values)
    return text, problem.message if problem.code in SHOW_ORIGINAL else None


def _fill(text: str, values: dict) -> str:
    """``str.format`` that leaves a placeholder with no value visible instead of failing."""
    names = {field for _, field, _, _ in Formatter().parse(text) if field}
    return text.format(**{name: values.get(name, "{" + name + "}") for name in names})
