/**
 * Private to the DNS detectors: the training text of the English-like name model (lexical.ts).
 * Written for this project: about 1,600 distinct common English words, web and business
 * vocabulary and a few digit/hyphen forms that real names use ("24", "365", "e-", "web2"). It
 * deliberately holds no list of popular site names, so tests can measure the model against such
 * names fairly.
 */
export const TRAINING_WORDS = `
the be to of and a in that have it for not on with he as you do at this but his by from they we say her
she or an will my one all would there their what so up out if about who get which go me when make can like
time no just him know take people into year your good some could them see other than then now look only
come its over think also back after use two how our work first well way even new want because any these
give day most us is are was were been has had did said made went going gone given taken seen known
world life hand part child eye woman place week case point government company number group problem fact
home house water room mother area money story month lot right study book word business issue side kind
head service friend father power hour game line end member law car city community name president team
minute idea kid body information school face others level office door health person art war history party
result change morning reason research girl guy moment air teacher force education foot boy age policy
everything process music market sense nation plan college interest death experience effect class control
care field development role effort rate heart drug show leader light voice wife police mind price report
decision son view relationship town road arm difference value building action model season society tax
director position player record paper space ground form event official matter center couple site project
activity star table need court oil situation cost industry figure street image phone data picture practice
piece land product doctor wall patient worker news test movie north love support technology step baby
computer type attention film tree source organization hair window evidence population truth
song network sound message network system program question family country student state night
river mountain island ocean forest garden flower summer winter spring autumn weather sunny cloud rain snow
storm wind fire earth stone metal gold silver iron steel glass paper wood cotton leather plastic
red blue green yellow black white orange purple brown pink gray grey dark bright deep clear fresh clean
big small large little long short high low old young early late hot cold warm cool soft hard strong weak
fast slow quick easy simple free full empty open close closed rich poor happy sad safe real true false
best better great nice fine pretty beautiful smart clever wise brave bold calm quiet loud wild gentle
red alpha beta gamma delta omega prime super ultra mega micro mini max pro plus extra global local
national international united royal central western eastern northern southern american british european
asian african french german spanish italian chinese japanese indian russian english
buy sell shop store market trade deal offer sale price cheap discount order pay payment bank card credit
loan money cash fund capital invest finance insurance account wallet coin exchange stock bond share
mail email post letter message chat talk call phone mobile cell text voice video photo picture image camera
music song radio sound audio movie film show play game sport ball team club league cup match race run
news times daily weekly journal paper press media report story today tonight live online digital
web net site page blog forum wiki search find look view watch read write learn teach know think
cloud server host data file files drive disk storage backup sync share upload download stream streaming
app apps soft software hardware device tech technology system systems code coder program developer
security secure safe guard shield lock key token auth login sign account user users admin support help
service services solution solutions group partners network networks connect link links hub center central
world global planet earth space star sun moon sky light day night time clock watch
home house room door window garden kitchen bath bed table chair desk lamp floor wall roof yard farm
food cook cooking recipe kitchen eat drink coffee tea beer wine water juice milk bread cake pizza burger
fruit apple orange banana lemon berry cherry grape peach melon salad soup rice pasta meat fish chicken
travel trip tour hotel flight fly air airline airport train bus car auto motor drive ride road map guide
city town village country state county region island beach lake river sea ocean bay coast port harbor
health care doctor clinic hospital medical medicine pharmacy dental vision life living fitness yoga diet
school college university academy institute class course lesson learning education student teacher
library museum gallery theater theatre cinema studio art design style fashion beauty dress shoes
baby kids child children family parent mom dad mother father brother sister friend friends people
job jobs work career hire hiring office staff people human resource resources talent skill skills
law legal court justice police fire rescue army navy defense force government public federal council
church faith god love hope peace joy spirit soul heart mind body life
animal animals pet pets dog cat bird horse fish lion tiger bear wolf fox eagle hawk owl duck
green energy power solar electric gas oil fuel water waste recycle nature natural earth environment
build building builder construction home homes property estate real realty rent rental lease land
photo photos print printing paper books book reader story stories comic comics anime manga novel poem
star stars celebrity fan fans club social community forum board group meet meeting event events ticket
tickets concert festival party wedding gift gifts card cards flower flowers toy toys
world wide first last next best top most more less only every each many much few
one two three four five six seven eight nine ten hundred thousand million billion
north south east west up down left right inside outside over under above below between
about after again against almost along already always among another answer anything around away
become before begin behind believe below beside beyond both bring build carry cause certain clear
common complete consider continue could cover create cross current cut describe during either enough
every example explain fall feel few fill final follow foreign former forward general grow happen
hear hold however include increase indeed instead itself join keep kill lead least leave less let lie
likely listen lose main mean measure meet mention might miss move near nearly necessary never note
nothing notice offer often once order own pass perhaps pick place plant please possible present
probably produce provide pull push put quite raise reach ready realize receive recent reduce remain
remember remove require rest return rise rule save second seek seem send serve set several shake
should sign similar since sing single sit size sleep sort speak spend stand start stay still stop
strike such suddenly suggest sure surface teach tell tend thank though thought through throw thus
together toward travel treat trouble try turn understand unit until upon usually various very visit
wait walk wear whatever whether while whole whom whose wish within without wonder yet
account action active address advance advice agency agent alarm album alert allow answer archive
area argue army arrive article artist aspect assist assume attack audience author average award
balance band base basic basket battle beach beauty bell benefit bill bird birth block blood board
boat bone border bottle bottom bowl box brain branch brand bread break bridge brief brush budget
button cabin cable camp campaign canal cancer candle capital captain carbon career carpet castle
catch category chain chair challenge champion channel chapter charge chart check cheese chief choice
circle citizen civil claim climb coach coast collection colony color column combine comfort command
comment commerce committee compare compete complex concept concern condition conference congress
contact contain content contest context contract corner cottage counter courage craft cream crime
crowd crown culture custom customer cycle damage dance danger debate degree delivery demand depth
desert detail diamond dinner direct disease display distance district doctor domain dollar dream
driver dust duty eagle economy edge editor effort election element engine engineer entry episode
equal error escape estate evening exact exam expert export express factory faith famous feature fee
fiber fight filter finger finish fishing flag flash fleet float flow focus folder folk forest format
fortune forum frame freedom frequency front future galaxy garage gate gear gene genius giant glory
goal grade grain grand grant graph grass gravity guard guest guide habit half hall handle harbor
harmony harvest hat heat height hero hill hobby holiday honey honor horizon horse host hunter ice
icon impact import income index infant input insight inspect instance instant insure intel invite
item jacket jewel journey judge jump jungle junior jury kernel kind king kingdom kitchen knife knight
label labor ladder lady layer leaf league legend lemon lens lesson letter level liberty limit linen
liquid list loan lobby logic logo loop lucky lunch machine magic magnet maker manager manual marble
margin marine mark master material meal medal member memory mental menu mercy merit metal method
middle mile military mill mineral mirror mission mixture monitor monkey monster moral motion mount
mouse mouth muscle mystery native needle neighbor nerve nest noble noise normal novel nurse object
ocean olive opera option orbit organ origin outlet owner oxygen package paint palace panel panic
parade parent park passage patent path pattern pause pearl pencil pepper period permit phase piano
pilot pioneer pixel planet plastic plate platform player pocket poet point polar pool portal portrait
potato pound powder prayer premium prince print prison prize profile profit promise proof property
prospect protect proud public pulse pupil puzzle quality quarter queen quest quiz rabbit radar rail
rain ranch range rank rapid reader reality rebel recipe record region relay relief remote repair
reply rescue reserve resort retail review reward rhythm ribbon rider ring ripple river robot rocket
rose route royal rubber safety sail salt sample sand satellite scale scene schedule science scope
score screen script seal secret sector seed select senior sensor series session settle shadow shape
shelter shift shine ship shirt shock shore signal silence silk sister sketch skill slice slide smile
smoke snake soap soldier solid sound speed sphere spice spider spirit split sponsor square stable
stadium stage stamp standard station status steam stick stock storage storm strategy stream strength
string structure studio style subject success sugar suite summit supply surgeon survey sweet switch
symbol talent target taste temple tennis term terminal territory texture theme theory thread thunder
ticket timber title token tool topic torch tower track trade traffic trail transfer trend trial tribe
trick trophy truck trust tunnel twin union universe update upper urban valley vault vector vehicle
velvet venture version vessel victory village vintage virtual visual vital volume voyage wage wagon
wave wealth weapon wheel whisper winner wire wisdom wonder worker workshop writer yacht yield zone
cloud cyber digital smart quick express instant direct rapid mobile wireless online offline remote
portal gateway bridge hub nexus core base point spot zone corner place land world verse sphere
labs lab works factory forge foundry studio studios media press news wire feed post daily
sync stack flow logic ware box kit craft shop store mart depot outlet market bazaar
insight vision focus bright clear true pure fresh prime peak summit apex vertex
tracker tracking analytics metrics stats status monitor alerts update updates download downloads
static assets images img cdn api dev developer docs documentation support help status login auth
account accounts secure safe verify ssl cert certs
about contact privacy terms policy legal careers press investor investors
e-mail e-commerce e-book t-shirt x-ray co-op self-service well-being check-in log-in sign-up
web2 web3 mp3 mp4 3d 4u 2go 24 24h 360 365 123 247 b2b p2p
`;
