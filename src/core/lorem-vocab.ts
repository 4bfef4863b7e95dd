/**
 * The lorem vocabulary as data: each candidate word of core/lorem that o200k encodes as ONE token
 * after a space, with that token's id, in candidate order (a later word with an id already taken is
 * dropped). A table, so that loading lorem does not load the tokenizer: its ranks are ~21 MB of heap
 * that every major garbage collection of a client process would otherwise mark (the client itself
 * tokenizes only when an answer lacks usage, and loads the tokenizer then). test/core/lorem.test.ts
 * derives the table again from the candidates with the tokenizer and checks it is this one.
 */

/** `word:id` pairs, space-separated. */
export const LOREM_VOCAB_TABLE = `
lorem:123849 ipsum:38714 dolor:25840 sit:2353 amet:36204 consectetur:54472 adipiscing:91785
elit:45688 sed:10412 do:621 eiusmod:160226 tempor:14725 incididunt:173578 ut:4518 labore:110546
et:859 dolore:79682 magna:78404 aliqua:151394 enim:51474 ad:687 minim:23874 veniam:126377 quis:39559
exercitation:138821 laboris:199011 nisi:58560 ex:513 ea:11235 commodo:127896 consequat:131925
aute:185481 in:306 reprehenderit:147652 voluptate:145757 velit:82872 esse:15368 fugiat:150234
nulla:64611 pariatur:150207 sint:29021 non:2893 sunt:24871 culpa:62745 qui:2780 officia:143411
deserunt:152505 anim:5727 id:1211 est:893 laborum:152097 the:290 of:328 and:326 to:316 a:261 is:382
it:480 you:481 that:484 he:501 was:673 for:395 on:402 are:553 with:483 as:472 his:1232 they:1023
be:413 at:540 one:1001 have:679 this:495 from:591 or:503 had:1458 by:656 not:625 word:2195 but:889
what:1412 some:1236 we:581 can:665 out:842 other:1273 were:1504 all:722 there:1354 when:1261 up:869
use:1199 your:634 how:1495 said:2059 an:448 each:2454 she:1770 which:1118 their:1043 time:1058
if:538 will:738 way:2006 about:1078 many:1991 then:1815 them:1373 write:5067 would:1481 like:1299
so:813 these:1879 her:1335 long:1701 make:1520 thing:4435 see:1921 him:2395 two:1920 has:853
look:1631 more:945 day:2163 could:2023 go:810 come:3063 did:2242 number:2086 sound:7351 no:860
most:1645 people:1665 my:922 over:1072 know:1761 water:3411 than:1572 call:2421 first:1577 who:1218
may:1340 down:1917 side:4307 been:1339 now:1954 find:1646 any:1062 new:620 work:1101 part:997
take:2304 get:717 place:2475 made:2452 live:4561 where:1919 after:1934 back:1602 little:3389
only:1606 round:7353 man:873 year:1284 came:5831 show:2356 every:1753 good:1899 me:668 give:3644
our:1039 under:1641 name:1308 very:1869 through:1819 just:1327 form:1625 sentence:21872 great:2212
think:2411 say:2891 help:1652 low:4465 line:2543 differ:2171 turn:3716 cause:7075 much:2009
mean:4774 before:2254 move:5275 right:1849 boy:8473 old:2890 too:3101 same:2684 tell:5485 does:2226
set:920 three:3407 want:1682 air:3693 well:1775 also:1217 play:2107 small:3291 end:1268 put:3006
home:2237 read:1729 hand:1803 port:3135 large:4410 spell:29176 add:1147 even:1952 land:4583
here:2105 must:2804 big:3464 high:1932 such:2238 follow:2622 act:1330 why:4436 ask:3810 men:1966
change:3343 went:5981 light:4207 kind:3675 off:1277 need:1309 house:4276 picture:8723 try:2075
us:765 again:2418 animal:13983 point:2438 mother:10005 world:2375 near:5862 build:3024 self:1051
earth:13440 father:11609 head:3189 stand:3182 own:2316 page:3011 should:1757 country:4931 found:2491
answer:6052 school:3474 grow:3839 study:5012 still:2928 learn:4484 plant:6804 cover:4321 food:4232
sun:7334 four:4242 between:2870 state:2608 keep:3357 eye:10952 never:3779 last:2174 let:1632
thought:4525 city:5030 tree:8165 cross:8088 farm:11231 hard:3479 start:1604 might:3572 story:4869
saw:8274 far:4150 sea:9624 draw:6174 left:3561 late:7844 run:2461 while:2049 press:4989 close:5263
night:4856 real:1374 life:2615 few:3120 north:16173 open:2494 seem:4265 together:4717 next:2613
white:6461 children:3953 begin:4252 got:3508 walk:5229 example:4994 ease:18380 paper:6651 group:3566
always:3324 music:5383 those:2617 both:2973 mark:1983 often:4783 letter:10263 until:4609 mile:23363
river:20608 car:1669 feet:11059 care:2631 second:3099 book:2392 carry:9852 took:6066 science:11222
eat:11237 room:3435 friend:5168 began:10377 idea:6056 fish:13897 mountain:21689 stop:5666 once:4730
base:3611 hear:9598 horse:20998 cut:6092 sure:3239 watch:5621 color:3089 face:4950 wood:9297
main:2758 enough:4951 plain:21402 girl:8881 usual:19261 young:5612 ready:6977 above:5151 ever:4862
red:3592 list:1562 though:5495 feel:3195 talk:4595 bird:16189 soon:6780 body:3641 dog:6446
family:3502 direct:2823 pose:17557 leave:7668 song:7117 measure:9714 door:4121 product:1888
black:5960 short:4022 class:744 wind:11215 question:4928 happen:5659 complete:5533 ship:12407
area:3624 half:6375 rock:8707 order:2569 fire:6452 south:15019 problem:4792 piece:9047 told:6967
knew:11199 pass:1853 since:3630 top:2344 whole:6062 king:13793 space:4918 heard:10542 best:1636
hour:8825 better:3432 true:1343 during:3354 hundred:11779 five:6468 remember:8203 step:5983
early:6047 hold:5060 west:14078 ground:7740 interest:3425 reach:7627 fast:5661 verb:8727 sing:6211
listen:11425 six:7429 table:3293 travel:6410 less:3760 morning:8709 ten:4325 simple:4705
several:4919 toward:15256 war:3656 lay:15634 against:4372 pattern:8302 slow:9800 center:6170
love:3047 person:1647 money:3905 serve:10505 appear:7680 road:8733 map:4014 rain:13873 rule:10652
govern:4661 pull:11381 cold:12146 notice:8611 voice:11723 unit:7670 power:3470 town:8234 fine:8975
certain:4454 fly:14360 fall:5617 lead:4124 cry:24054 dark:8883 machine:7342 note:7477 wait:5238
plan:3496 figure:11310 star:8253 box:5506 noun:65076 field:3259 rest:2867 correct:6145 able:3741
pound:49176 done:4167 beauty:14505 drive:7515 stood:27553 contain:10232 front:5567 teach:5113
week:2384 final:1721 gave:10175 green:8851 quick:4853 develop:2575 ocean:25472 warm:9144 free:2240
minute:12434 strong:5532 special:3582 mind:4246 behind:7807 clear:5364 tail:12742 produce:10635
fact:2840 street:12901 inch:23594 multiply:57388 nothing:6939 course:4165 stay:5092 wheel:18273
full:3149 force:9578 blue:9861 object:2817 decide:13001 surface:9753 deep:8103 moon:28479
island:18149 foot:6428 system:2420 busy:15827 test:1746 record:3704 boat:19736 common:5355 gold:8568
possible:4149 plane:16499 stead:53825 dry:9952 wonder:6213 laugh:25053 thousand:26791 ago:5288
ran:14790 check:2371 game:2813 shape:9591 hot:3648 miss:5141 brought:11311 heat:10609 snow:15214
tire:30796 bring:5624 yes:14531 distant:51041 fill:6954 east:23557 paint:7907 language:6439
among:6200 grand:6363 ball:7880 yet:5073 wave:20485 drop:9440 heart:5604 present:3333 heavy:12914
dance:18487 engine:6018 position:4010 arm:10454 wide:8174 sail:42471 material:3785 size:2349
vary:14899 settle:36551 speak:10591 weight:6049 general:5985 ice:14821 matter:7165 circle:22005
pair:10610 include:3931 divide:38484 felt:9879 perhaps:12951 pick:5230 sudden:18011 count:3605
square:13749 reason:5207 length:5517 represent:5188 art:1957 subject:5401 region:7967 energy:5954
hunt:36763 probable:32954 bed:3737 brother:16820 egg:16102 ride:15104 cell:4206 believe:6423
fraction:33763 forest:19458 race:11286 window:5734 store:4897 summer:9333 train:8513 sleep:8746
prove:17717 lone:82462 leg:3050 exercise:13526 wall:9688 catch:3494 mount:9249 wish:8115 sky:17307
board:6796 joy:15917 winter:13655 sat:10139 written:7582 wild:12333 instrument:14969 kept:13185
glass:11022 grass:22832 cow:30078 job:3349 edge:11165 sign:2232 visit:4030 past:4241 soft:10143
fun:2827 bright:13712 gas:7322 weather:11122 month:2944 million:5749 bear:16387 finish:9115
happy:7150 hope:5498 flower:25811 strange:26197 gone:12299 jump:13843 baby:10120 eight:14212
village:17769 meet:4158 root:6577 buy:3877 raise:9338 solve:17722 metal:11002 whether:5588 push:9349
seven:12938 paragraph:27853 third:6914 shall:8712 held:7504 hair:8107 describe:12886 cook:4947
floor:8350 either:4784 result:1534 burn:11638 hill:32306 safe:7703 cat:9059 century:14015
consider:3331 type:1490 law:3954 bit:3546 coast:19890 copy:5150 phrase:27179 silent:37716 tall:19766
sand:10749 soil:22390 roll:8465 temperature:12088 finger:24104 industry:5735 value:1432 fight:9848
lie:7149 beat:16807 excite:179518 natural:6247 view:2325 sense:8512 ear:18298 else:1203 quite:6752
broke:26789 case:1890 middle:10006 kill:15874 son:2391 lake:26308 moment:4205 scale:9318 loud:27900
spring:12860 observe:31614 child:2320 straight:10230 nation:10422 dictionary:22131 milk:20018
speed:7733 method:2595 organ:2681 pay:2777 age:5744 section:7102 dress:10549 cloud:12095
surprise:19005 quiet:15095 stone:14352 tiny:20049 climb:27049 cool:8157 design:2364 poor:12530
lot:3261 experiment:12527 bottom:8725 key:2140 iron:17069 single:4590 stick:12899 flat:12508
twenty:25565 skin:7987 smile:19617 crease:193304 hole:22985 trade:10552 melody:101104 trip:8831
office:6885 receive:6442 row:5225 mouth:16564 exact:6354 symbol:10038 die:1076 least:5153
trouble:17923 shout:71252 except:6384 wrote:11955 seed:17284 tone:23206 join:5863 suggest:6108
clean:4687 break:2338 lady:23554 yard:19416 rise:16601 bad:4790 blow:23420 oil:7396 blood:8642
touch:7381 grew:22839 cent:2427 mix:9762 team:3214 wire:11394 cost:3097 lost:8803 brown:19705
wear:11599 garden:13727 equal:12629 sent:3860 choose:5655 fell:18153 fit:5769 flow:7845 fair:9510
bank:6922 collect:7916 save:5093 control:3580 decimal:26964 gentle:25748 woman:8773 captain:48103
practice:8248 separate:13574 difficult:6541 doctor:12342 please:4843 protect:3319 noon:49985
whose:12119 locate:29006 ring:12796 character:5855 insect:33877 caught:18341 period:5265
indicate:21611 radio:11828 spoke:24461 atom:34376 human:5396 history:5678 effect:3159 electric:11194
expect:2665 crop:31158 modern:6809 element:3577 hit:7103 student:6760 corner:14194 party:7362
supply:10498 bone:21235 rail:21665 imagine:19074 provide:3587 agree:10758 thus:13972 capital:9029
chair:16540 danger:13480 fruit:15310 rich:10358 thick:17154 soldier:57475 process:2273 operate:19866
guess:11915 necessary:8155 sharp:27261 wing:40210 create:2501 neighbor:13034 wash:21846 bat:10639
rather:7542 crowd:19829 corn:33994 compare:12221 poem:41339 string:1621 bell:32256 depend:9630
meat:20872 rub:12346 tube:22143 famous:14336 dollar:22678 stream:6855 fear:11747 sight:21832
thin:22558 triangle:41487 planet:17921 hurry:69854 chief:20915 colony:83227 clock:16523 mine:13336
tie:22244 enter:5747 major:5035 fresh:8982 search:3684 send:4952 yellow:19691 gun:14744 allow:3763
print:2123 dead:9224 spot:10021 desert:37603 suit:15170 current:2208 lift:19604 rose:23103
continue:4901 block:4355 chart:15292 hat:4545 sell:7437 success:3505 company:3175 subtract:71973
event:2104 particular:5024 deal:4828 swim:39772 term:2914 opposite:23821 wife:11527 shoe:39228
shoulder:28224 spread:11402 arrange:36281 camp:4466 invent:20420 cotton:28189 born:12275
determine:11433 quart:19004 nine:19712 truck:13790 noise:19044 level:3211 chance:8058 gather:13660
shop:9100 stretch:21638 throw:4268 shine:37606 property:4322 column:6000 molecule:73005 select:4736
wrong:8201 gray:32299 repeat:22962 require:1841 broad:11245 prepare:13708 salt:16345 nose:28074
plural:47680 anger:32129 claim:6445 continent:48623 oxygen:34398 sugar:15338 death:8027 pretty:7264
skill:16093 women:5142 season:5217 solution:7578 magnet:21255 silver:20223 thank:11172 branch:14338
match:3981 suffix:43412 especially:6980 fig:5840 afraid:24894 huge:9560 sister:15196 steel:13316
discuss:5381 forward:6687 similar:6771 guide:9165 experience:3240 score:8429 apple:30366
bought:13439 led:8920 pitch:18377 coat:34029 mass:4842 card:4766 band:8177 rope:56427 slip:34257
win:4449 dream:9807 evening:14456 condition:7060 feed:7685 tool:4584 total:3609 basic:9439
smell:28870 valley:48724 nor:11777 double:3503 seat:15512 arrive:18338 master:9942 track:5290
parent:5980 shore:47584 division:21629 sheet:16658 substance:30837 favor:5101 connect:4837 post:1926
spend:10075 chord:82402 fat:9089 glad:17103 original:4756 share:5143 station:11538 dad:16060
bread:19544 charge:8363 proper:7937 bar:3608 offer:2961 segment:14806 slave:42677 duck:61769
instant:12823 market:2910 degree:9882 populate:50447 chick:52051 dear:36203 enemy:20935 reply:16794
drink:8879 occur:11416 support:2498 speech:18926 nature:7867 range:3352 steam:29922 motion:17869
path:3104 liquid:20032 log:2142 meant:14506 quotient:169302 teeth:19770 shell:20059 neck:17783
`;
